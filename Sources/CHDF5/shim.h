// HDF5 from Swift: the macros that hide H5open() or casts do not import, so they are wrapped here.
//
// Debian's serial HDF5, linked statically (see PPGFormats in Package.swift): its shared library
// pulls in libcurl and some 25 further libraries (for the S3 driver ppgscope never uses), whose
// loading and relocation cost every ppgscope run about 6 ms. Hence the header by its Debian path (relative to the include root),
// with no pkg-config (which would add -lhdf5, the shared library).
#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>  // Debian and Ubuntu: the serial build, beside the MPI one
#else
#include <hdf5.h>
#endif

static inline hid_t ppg_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t ppg_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t ppg_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t ppg_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t ppg_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t ppg_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t ppg_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t ppg_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t ppg_H5P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }
static inline hid_t ppg_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t ppg_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline unsigned ppg_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned ppg_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline size_t ppg_H5T_VARIABLE(void) { return H5T_VARIABLE; }
