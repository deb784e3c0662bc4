// libzip's header only (types and constants): the library itself is loaded at run time the first
// time a zip archive is read (PPGFormats/ZipLibrary.swift), so runs that never open one do not pay
// for loading libzip and its libcrypto.
#include <zip.h>
