#include "CReference.h"
#include <math.h>

static inline double voi_linear(double x, double c, double w) {
    if (x <= c - 0.5 - (w - 1) / 2) return 0;
    if (x > c - 0.5 + (w - 1) / 2) return 255;
    return ((x - (c - 0.5)) / (w - 1) + 0.5) * 255;
}

void sixray_voi_build_lut(uint8_t *lut, int32_t low, sixray_voi_params p) {
    for (int32_t i = 0; i < 65536; i++) {
        double x = (double)(low + i) * p.slope + p.intercept;
        double y = floor(voi_linear(x, p.center, p.width) + 0.5);
        lut[i] = (uint8_t)(y < 0 ? 0 : (y > 255 ? 255 : y));
    }
}

#define FLOAT_BODY                                                   \
    const float a = (float)(255.0 * p.slope / (p.width - 1));        \
    const float b = (float)(255.0 * (p.intercept - p.center + 0.5) / (p.width - 1) + 127.5); \
    for (size_t i = 0; i < n; i++) {                                 \
        float y = (float)src[i] * a + b;                             \
        y = y < 0.0f ? 0.0f : y;                                     \
        y = y > 255.0f ? 255.0f : y;                                 \
        dst[i] = (uint8_t)(y + 0.5f);                                \
    }

void sixray_voi_float_i16(const int16_t *src, uint8_t *dst, size_t n, sixray_voi_params p) { FLOAT_BODY }
void sixray_voi_float_u16(const uint16_t *src, uint8_t *dst, size_t n, sixray_voi_params p) { FLOAT_BODY }

void sixray_voi_lut_i16(const int16_t *src, uint8_t *dst, size_t n, const uint8_t *lut) {
    for (size_t i = 0; i < n; i++) dst[i] = lut[(int32_t)src[i] + 32768];
}
void sixray_voi_lut_u16(const uint16_t *src, uint8_t *dst, size_t n, const uint8_t *lut) {
    for (size_t i = 0; i < n; i++) dst[i] = lut[src[i]];
}

// Window bounds in stored values, then t = ((v - lo) * m + k) >> 16.
#define FIXED_BODY                                                                  \
    const double a = 255.0 * p.slope / (p.width - 1);                               \
    const double b = 255.0 * (p.intercept - p.center + 0.5) / (p.width - 1) + 127.5; \
    double slo = floor(-b / a) - 1, shi = ceil((255.0 - b) / a) + 1;                \
    if (slo > shi) { double t = slo; slo = shi; shi = t; }                          \
    const int32_t lo = (int32_t)(slo < -32768 ? -32768 : (slo > 65535 ? 65535 : slo)); \
    const int32_t hi = (int32_t)(shi < -32768 ? -32768 : (shi > 65535 ? 65535 : shi)); \
    const int32_t m = (int32_t)lround(a * 65536.0);                                 \
    const int32_t k = (int32_t)floor((a * lo + b + 0.5) * 65536.0);                 \
    for (size_t i = 0; i < n; i++) {                                                \
        int32_t v = src[i];                                                         \
        v = v < lo ? lo : v;                                                        \
        v = v > hi ? hi : v;                                                        \
        int32_t t = ((v - lo) * m + k) >> 16;                                       \
        t = t < 0 ? 0 : t;                                                          \
        t = t > 255 ? 255 : t;                                                      \
        dst[i] = (uint8_t)t;                                                        \
    }

void sixray_voi_fixed_i16(const int16_t *src, uint8_t *dst, size_t n, sixray_voi_params p) { FIXED_BODY }
void sixray_voi_fixed_u16(const uint16_t *src, uint8_t *dst, size_t n, sixray_voi_params p) { FIXED_BODY }

void sixray_floor_u16(const uint16_t *src, uint8_t *dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (uint8_t)(src[i] >> 8);
}
