// Plain C references for the VOI benchmark (PS3.3 C.11.2.1.2.1, LINEAR window, 8-bit output,
// round half up). Compiled with -O3 and the same CPU target as the Swift build.
// They exist only to measure the Swift kernels against; the app never calls them.
#ifndef SIXRAY_CREFERENCE_H
#define SIXRAY_CREFERENCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    double slope, intercept;  // rescale (PS3.3 C.11.1.1.2)
    double center, width;     // LINEAR window (PS3.3 C.11.2.1.2.1), width >= 1
} sixray_voi_params;

// Per-pixel single-precision float: y = s*a + b, clamp, (uint8)(y + 0.5f).
void sixray_voi_float_i16(const int16_t *src, uint8_t *dst, size_t n, sixray_voi_params p);
void sixray_voi_float_u16(const uint16_t *src, uint8_t *dst, size_t n, sixray_voi_params p);

// 64 K lookup table built with the literal double-precision formula: exact by construction.
// `lut` must hold 65536 entries; index = stored - low (low = -32768 for int16, 0 for uint16).
void sixray_voi_build_lut(uint8_t *lut, int32_t low, sixray_voi_params p);
void sixray_voi_lut_i16(const int16_t *src, uint8_t *dst, size_t n, const uint8_t *lut);
void sixray_voi_lut_u16(const uint16_t *src, uint8_t *dst, size_t n, const uint8_t *lut);

// Int32 fixed point with 16 fractional bits, input clamped to the window first so the
// product cannot overflow. Fast; exactness is checked by the benchmark, not assumed.
void sixray_voi_fixed_i16(const int16_t *src, uint8_t *dst, size_t n, sixray_voi_params p);
void sixray_voi_fixed_u16(const uint16_t *src, uint8_t *dst, size_t n, sixray_voi_params p);

// Memory floor: read 16 bits, write 8 bits, no arithmetic worth the name.
void sixray_floor_u16(const uint16_t *src, uint8_t *dst, size_t n);

// MPR references (mpr.c): int16 volumes, voxel (i, j, k) at (k * ny + j) * nx + i.
void sixray_mpr_coronal_i16(const int16_t *vol, int nx, int ny, int nz, int j, int16_t *out);
void sixray_mpr_sagittal_i16(const int16_t *vol, int nx, int ny, int nz, int i, int16_t *out);
void sixray_mpr_trilinear_i16(const int16_t *vol, int nx, int ny, int nz, const double o[3],
                              const double dc[3], const double dr[3], int w, int h, float outside, float *out);
void sixray_mpr_mip_axial_i16(const int16_t *vol, int nx, int ny, int k0, int k1, int16_t *out);

#endif
