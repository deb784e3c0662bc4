// Element-wise activations with glibc's libmvec (see ppgscope_activations.h).
#include "ppgscope_activations.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define PPG_AVX512 __attribute__((target("avx512f")))

// libmvec's AVX-512 variants (x86_64 vector ABI, 16 floats in a zmm register).
PPG_AVX512 __m512 _ZGVeN16v_expf(__m512);
PPG_AVX512 __m512 _ZGVeN16v_expm1f(__m512);
PPG_AVX512 __m512 _ZGVeN16v_erfcf(__m512);
PPG_AVX512 __m512 _ZGVeN16v_tanhf(__m512);
PPG_AVX512 __m512 _ZGVeN16v_log1pf(__m512);

int ppgscope_activation_vector_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

static inline PPG_AVX512 __m512 activate(ppgscope_activation kind, __m512 x, float a, float b) {
    const __m512 one = _mm512_set1_ps(1), zero = _mm512_setzero_ps();
    const __mmask16 positive = _mm512_cmp_ps_mask(x, zero, _CMP_GT_OQ);
    const __mmask16 minusInfinity = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-__builtin_inff()), _CMP_EQ_OQ);
    switch (kind) {
    case PPGSCOPE_ACT_ELU:
        return _mm512_mask_blend_ps(positive, _mm512_mul_ps(_mm512_set1_ps(a), _ZGVeN16v_expm1f(x)), x);
    case PPGSCOPE_ACT_SELU:
        return _mm512_mask_blend_ps(positive, _mm512_mul_ps(_mm512_set1_ps(a), _ZGVeN16v_expm1f(x)),
                                    _mm512_mul_ps(_mm512_set1_ps(b), x));
    case PPGSCOPE_ACT_GELU_ERF: {
        __m512 c = _ZGVeN16v_erfcf(_mm512_mul_ps(x, _mm512_set1_ps(-0.70710678118654752440f)));
        __m512 y = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), c);
        return _mm512_mask_blend_ps(minusInfinity, y, zero);
    }
    case PPGSCOPE_ACT_GELU_TANH: {
        __m512 cube = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.044715f), x), x), x);
        __m512 u = _mm512_mul_ps(_mm512_set1_ps(-1.5957691216057307118f), _mm512_add_ps(x, cube));
        __m512 y = _mm512_div_ps(x, _mm512_add_ps(one, _ZGVeN16v_expf(u)));
        return _mm512_mask_blend_ps(minusInfinity, y, zero);
    }
    case PPGSCOPE_ACT_TANH:
        return _ZGVeN16v_tanhf(x);
    case PPGSCOPE_ACT_SIGMOID:
        return _mm512_div_ps(one, _mm512_add_ps(one, _ZGVeN16v_expf(_mm512_sub_ps(zero, x))));
    case PPGSCOPE_ACT_SWISH: {
        __m512 y = _mm512_div_ps(x, _mm512_add_ps(one, _ZGVeN16v_expf(_mm512_sub_ps(zero, x))));
        return _mm512_mask_blend_ps(minusInfinity, y, zero);
    }
    case PPGSCOPE_ACT_SOFTPLUS: {
        // max(x, 0) as a blend so that NaN is not turned into 0 (the log1p term carries it anyway).
        __m512 magnitude = _mm512_abs_ps(x);
        __m512 tail = _ZGVeN16v_log1pf(_ZGVeN16v_expf(_mm512_sub_ps(zero, magnitude)));
        return _mm512_add_ps(_mm512_mask_blend_ps(positive, zero, x), tail);
    }
    }
    return x;
}

static PPG_AVX512 void apply_avx512(ppgscope_activation kind, float *x, long n, float a, float b) {
    long i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, activate(kind, _mm512_loadu_ps(x + i), a, b));
    if (i < n) {
        __mmask16 tail = (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_mask_loadu_ps(_mm512_setzero_ps(), tail, x + i);
        _mm512_mask_storeu_ps(x + i, tail, activate(kind, v, a, b));
    }
}

int ppgscope_activation_apply(ppgscope_activation kind, float *x, long n, float a, float b) {
    if (!ppgscope_activation_vector_available()) return 0;
    apply_avx512(kind, x, n, a, b);
    return 1;
}

#else
int ppgscope_activation_vector_available(void) { return 0; }
int ppgscope_activation_apply(ppgscope_activation kind, float *x, long n, float a, float b) {
    (void)kind; (void)x; (void)n; (void)a; (void)b;
    return 0;
}
#endif
