// HDF5 from Swift: the macros that hide H5open() or casts do not import, so they are wrapped here.
#include <hdf5.h>

static inline hid_t ppg_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t ppg_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t ppg_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t ppg_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t ppg_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t ppg_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t ppg_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t ppg_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t ppg_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline unsigned ppg_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned ppg_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline size_t ppg_H5T_VARIABLE(void) { return H5T_VARIABLE; }
