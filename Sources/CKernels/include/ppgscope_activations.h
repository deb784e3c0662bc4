#ifndef PPGSCOPE_ACTIVATIONS_H
#define PPGSCOPE_ACTIVATIONS_H

// Element-wise activations built on exp, expm1, erfc, tanh and log1p, 16 floats at a time with
// glibc's vector math library (libmvec, AVX-512 variants: _ZGVeN16v_expf and friends, ≤ 2.6 ulp
// each). Only where the CPU has AVX-512F; elsewhere the caller uses its scalar path.

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    PPGSCOPE_ACT_ELU = 0,        // x > 0 ? x : a·expm1(x)
    PPGSCOPE_ACT_SELU = 1,       // x > 0 ? b·x : a·expm1(x)       (a = λα, b = λ)
    PPGSCOPE_ACT_GELU_ERF = 2,   // x/2 · erfc(−x/√2)
    PPGSCOPE_ACT_GELU_TANH = 3,  // x / (1 + exp(−2√(2/π)·(x + 0.044715·x³)))
    PPGSCOPE_ACT_TANH = 4,       // tanh(x)
    PPGSCOPE_ACT_SIGMOID = 5,    // 1 / (1 + exp(−x))
    PPGSCOPE_ACT_SWISH = 6,      // x / (1 + exp(−x))
    PPGSCOPE_ACT_SOFTPLUS = 7,   // max(x, 0) + log1p(exp(−|x|))
} ppgscope_activation;

/// 1 when `ppgscope_activation_apply` runs vectorised on this CPU.
int ppgscope_activation_vector_available(void);

/// Applies `kind` in place to x[0 ..< n] (parameters a, b as above; ignored by the others).
/// NaN stays NaN; at x = −∞ GELU and swish give 0. Returns 0 without touching x when the CPU
/// lacks AVX-512F.
int ppgscope_activation_apply(ppgscope_activation kind, float *x, long n, float a, float b);

#ifdef __cplusplus
}
#endif

#endif
