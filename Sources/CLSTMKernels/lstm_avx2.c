// LSTM cell steps with AVX2 and FMA: plain loops the compiler vectorises eight
// lanes wide under the target attribute. The formulas are those of
// VADTrain.LSTM's Swift loops; see CLSTMKernels.h.
#include "CLSTMKernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

int clstm_has_avx2_fma(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!(fma && osxsave && avx)) return 0;
    // The operating system saves the YMM registers (XCR0 bits 1 and 2).
    unsigned xcr0_low, xcr0_high;
    __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 6) != 6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 5) & 1;  // AVX2
}

#define KERNEL __attribute__((target("avx2,fma")))

// exp(x) = 2^n exp(r), n = round(x / ln 2), r = x - n ln 2 (ln 2 in two
// parts), exp(r) by its degree-6 Taylor polynomial; x clamped to [-87.3, 88.7].
KERNEL static inline float fast_exp(float x) {
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.7f ? 88.7f : x;
    float shifted = x * 1.44269504f + 12582912.0f;
    float n = shifted - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.1219444e-4f;
    float p = 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1;
    p = p * r + 1;
    int32_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    int32_t power_bits = (int32_t)(((uint32_t)bits - 0x4B400000u + 127u) << 23);
    float power;
    memcpy(&power, &power_bits, sizeof power);
    return p * power;
}

KERNEL static inline float fast_sigmoid(float x) { return 1 / (1 + fast_exp(-x)); }

// tanh(x) = 1 - 2 / (1 + exp(2x)); for |x| < 0.1, its Taylor polynomial to x^7.
KERNEL static inline float fast_tanh(float x) {
    float via_exp = 1 - 2 / (1 + fast_exp(2 * x));
    float x2 = x * x;
    float series = x * (1 + x2 * (-1.0f / 3 + x2 * (2.0f / 15 + x2 * (-17.0f / 315))));
    return fabsf(x) < 0.1f ? series : via_exp;
}

KERNEL void clstm_forward_row_avx2(float *restrict gates, const float *restrict bias, const float *restrict c_prev,
                                   float *restrict c, float *restrict tanh_c, float *restrict h, long hidden) {
    float *restrict i = gates, *restrict f = gates + hidden, *restrict g = gates + 2 * hidden, *restrict o = gates + 3 * hidden;
    const float *restrict bi = bias, *restrict bf = bias + hidden, *restrict bg = bias + 2 * hidden, *restrict bo = bias + 3 * hidden;
    for (long j = 0; j < hidden; j++) {
        float ij = fast_sigmoid(i[j] + bi[j]), fj = fast_sigmoid(f[j] + bf[j]);
        float gj = fast_tanh(g[j] + bg[j]), oj = fast_sigmoid(o[j] + bo[j]);
        i[j] = ij; f[j] = fj; g[j] = gj; o[j] = oj;
        float cj = c_prev ? fj * c_prev[j] + ij * gj : ij * gj;
        float tj = fast_tanh(cj);
        c[j] = cj;
        tanh_c[j] = tj;
        h[j] = oj * tj;
    }
}

KERNEL void clstm_backward_row_avx2(const float *restrict a, const float *restrict tanh_c, const float *restrict c_prev,
                                    const float *restrict up, const float *restrict dh, float *restrict dc, float m,
                                    float *restrict d, float *restrict bias_gradient, long hidden) {
    const float *restrict ai = a, *restrict af = a + hidden, *restrict ag = a + 2 * hidden, *restrict ao = a + 3 * hidden;
    float *restrict di = d, *restrict df = d + hidden, *restrict dg = d + 2 * hidden, *restrict d_o = d + 3 * hidden;
    for (long j = 0; j < hidden; j++) {
        float i = ai[j], f = af[j], g = ag[j], o = ao[j], t = tanh_c[j];
        float cp = c_prev ? c_prev[j] : 0;
        float dh_tilde = (up[j] + dh[j]) * m;
        float dc_tilde = dc[j] * m + dh_tilde * o * (1 - t * t);
        di[j] = dc_tilde * g * i * (1 - i);
        df[j] = dc_tilde * cp * f * (1 - f);
        dg[j] = dc_tilde * i * (1 - g * g);
        d_o[j] = dh_tilde * t * o * (1 - o);
        dc[j] = dc_tilde * f;
    }
    for (long k = 0; k < 4 * hidden; k++) bias_gradient[k] += d[k];
}

// Four rows at a time, eight columns per fused multiply-add, the lanes summed
// at the end of each row; the last columns (fewer than eight) one by one.
KERNEL void clstm_matvec_avx2(const float *restrict w, long stride, const float *restrict x, float *restrict y,
                              long rows, long columns, int accumulate) {
    long wide = columns & ~7L, r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *w0 = w + r * stride, *w1 = w0 + stride, *w2 = w1 + stride, *w3 = w2 + stride;
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
        for (long k = 0; k < wide; k += 8) {
            __m256 v = _mm256_loadu_ps(x + k);
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + k), v, s0);
            s1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + k), v, s1);
            s2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + k), v, s2);
            s3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + k), v, s3);
        }
        // Horizontal sums of the four accumulators at once: [Σs0 Σs1 Σs2 Σs3].
        __m256 a = _mm256_hadd_ps(s0, s1), b = _mm256_hadd_ps(s2, s3);
        __m256 ab = _mm256_hadd_ps(a, b);
        __m128 sums = _mm_add_ps(_mm256_castps256_ps128(ab), _mm256_extractf128_ps(ab, 1));
        float out[4];
        _mm_storeu_ps(out, sums);
        for (long k = wide; k < columns; k++) {
            out[0] += w0[k] * x[k]; out[1] += w1[k] * x[k]; out[2] += w2[k] * x[k]; out[3] += w3[k] * x[k];
        }
        for (int i = 0; i < 4; i++) y[r + i] = accumulate ? y[r + i] + out[i] : out[i];
    }
    for (; r < rows; r++) {
        const float *row = w + r * stride;
        __m256 s = _mm256_setzero_ps();
        for (long k = 0; k < wide; k += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(row + k), _mm256_loadu_ps(x + k), s);
        __m128 half = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
        half = _mm_hadd_ps(half, half);
        half = _mm_hadd_ps(half, half);
        float out = _mm_cvtss_f32(half);
        for (long k = wide; k < columns; k++) out += row[k] * x[k];
        y[r] = accumulate ? y[r] + out : out;
    }
}

#else

int clstm_has_avx2_fma(void) { return 0; }

void clstm_matvec_avx2(const float *w, long stride, const float *x, float *y,
                       long rows, long columns, int accumulate) {
    (void)w; (void)stride; (void)x; (void)y; (void)rows; (void)columns; (void)accumulate;
}

void clstm_forward_row_avx2(float *gates, const float *bias, const float *c_prev,
                            float *c, float *tanh_c, float *h, long hidden) {
    (void)gates; (void)bias; (void)c_prev; (void)c; (void)tanh_c; (void)h; (void)hidden;
}

void clstm_backward_row_avx2(const float *a, const float *tanh_c, const float *c_prev,
                             const float *up, const float *dh, float *dc, float m,
                             float *d, float *bias_gradient, long hidden) {
    (void)a; (void)tanh_c; (void)c_prev; (void)up; (void)dh; (void)dc; (void)m; (void)d; (void)bias_gradient; (void)hidden;
}

#endif
