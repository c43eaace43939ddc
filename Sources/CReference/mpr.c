// Plain C references for the MPR benchmark: the same work as Sixray's reformat kernels, written
// the obvious way and compiled -O3 with the same CPU target. Volumes are int16, slice-major:
// voxel (i, j, k) at (k * ny + j) * nx + i.
#include "CReference.h"
#include <math.h>

// Coronal plane of row j, superior (last slice) at the top: out[r][c] = vol[nz-1-r][j][c].
void sixray_mpr_coronal_i16(const int16_t *vol, int nx, int ny, int nz, int j, int16_t *out) {
    for (int r = 0; r < nz; r++) {
        const int16_t *src = vol + ((size_t)(nz - 1 - r) * ny + j) * nx;
        for (int c = 0; c < nx; c++) out[(size_t)r * nx + c] = src[c];
    }
}

// Sagittal plane of column i: out[r][c] = vol[nz-1-r][c][i] (a strided gather).
void sixray_mpr_sagittal_i16(const int16_t *vol, int nx, int ny, int nz, int i, int16_t *out) {
    for (int r = 0; r < nz; r++) {
        const int16_t *src = vol + (size_t)(nz - 1 - r) * ny * nx + i;
        for (int c = 0; c < ny; c++) out[(size_t)r * ny + c] = src[(size_t)c * nx];
    }
}

// Trilinear sampling of a w x h plane given in voxel space: pixel (c, r) at o + c*dc + r*dr
// (x = column, y = row, z = slice). Outside [0, n-1] on any axis: `outside`.
void sixray_mpr_trilinear_i16(const int16_t *vol, int nx, int ny, int nz, const double o[3],
                              const double dc[3], const double dr[3], int w, int h, float outside, float *out) {
    for (int r = 0; r < h; r++) {
        for (int c = 0; c < w; c++) {
            double x = o[0] + c * dc[0] + r * dr[0];
            double y = o[1] + c * dc[1] + r * dr[1];
            double z = o[2] + c * dc[2] + r * dr[2];
            if (x < 0 || y < 0 || z < 0 || x > nx - 1 || y > ny - 1 || z > nz - 1) {
                out[(size_t)r * w + c] = outside;
                continue;
            }
            int i0 = (int)x, j0 = (int)y, k0 = (int)z;
            if (i0 > nx - 2) i0 = nx - 2;
            if (j0 > ny - 2) j0 = ny - 2;
            if (k0 > nz - 2) k0 = nz - 2;
            float fx = (float)(x - i0), fy = (float)(y - j0), fz = (float)(z - k0);
            const int16_t *p = vol + ((size_t)k0 * ny + j0) * nx + i0;
            size_t sj = nx, sk = (size_t)nx * ny;
            float v000 = p[0], v100 = p[1], v010 = p[sj], v110 = p[sj + 1];
            float v001 = p[sk], v101 = p[sk + 1], v011 = p[sk + sj], v111 = p[sk + sj + 1];
            float a00 = v000 + fx * (v100 - v000), a10 = v010 + fx * (v110 - v010);
            float a01 = v001 + fx * (v101 - v001), a11 = v011 + fx * (v111 - v011);
            float b0 = a00 + fy * (a10 - a00), b1 = a01 + fy * (a11 - a01);
            out[(size_t)r * w + c] = b0 + fz * (b1 - b0);
        }
    }
}

// Axial MIP slab over slices k0 ..< k1.
void sixray_mpr_mip_axial_i16(const int16_t *vol, int nx, int ny, int k0, int k1, int16_t *out) {
    size_t n = (size_t)nx * ny;
    for (size_t p = 0; p < n; p++) out[p] = vol[(size_t)k0 * n + p];
    for (int k = k0 + 1; k < k1; k++) {
        const int16_t *s = vol + (size_t)k * n;
        for (size_t p = 0; p < n; p++) out[p] = s[p] > out[p] ? s[p] : out[p];
    }
}
