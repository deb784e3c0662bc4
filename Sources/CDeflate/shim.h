// libdeflate (whole-buffer DEFLATE/zlib decompression), linked from Debian's static archive
// (PPGFormats in Package.swift), so that no run loads another shared library for it.
#include <libdeflate.h>
