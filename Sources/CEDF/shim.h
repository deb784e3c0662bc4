// EDFlib (Debian libedf-dev, BSD-2): EDF, EDF+, BDF and BDF+ reading.
// The header struct holds a 640-element array of signal structs, which Swift imports as a tuple:
// these accessors give Swift a pointer to one signal's parameters and its strings.
#include <edflib.h>

static inline const struct edf_param_struct *ppgscope_edf_signal(const struct edf_hdr_struct *hdr, int i) {
    return &hdr->signalparam[i];
}
static inline const char *ppgscope_edf_label(const struct edf_hdr_struct *hdr, int i) { return hdr->signalparam[i].label; }
static inline const char *ppgscope_edf_unit(const struct edf_hdr_struct *hdr, int i) { return hdr->signalparam[i].physdimension; }
