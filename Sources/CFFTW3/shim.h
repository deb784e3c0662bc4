#include <fftw3.h>
static inline const char *ppg_fftwf_version(void) { return fftwf_version; }
