// The element-wise steps of an LSTM cell in float32, and the matrix-vector
// product of one step, compiled for AVX2 and FMA.
//
// Swift compiles for the x86-64 baseline (SSE2), where its loops run four
// lanes without fused multiply-add; these run eight with it. VADTrain.LSTM
// calls them when the processor has AVX2 and FMA and otherwise runs the same
// formulas in Swift; the tests check that both agree. The exponential is
// FastMath's (VADTrain): the same range reduction and polynomial.
#ifndef CLSTMKERNELS_H
#define CLSTMKERNELS_H

/// 1 when this processor (and its operating system) can run the AVX2 and FMA
/// kernels below, else 0.
int clstm_has_avx2_fma(void);

/// One row of the forward step. `gates` holds the 4H pre-activations of the
/// input, forget, cell and output gates (i, f, g, o), without bias; adds
/// `bias`, applies sigmoid (i, f, o) and tanh (g) in place, then writes the
/// cell `c = f * c_prev + i * g` (`c_prev` NULL: zero), `tanh_c = tanh(c)` and
/// the output `h = o * tanh_c`.
void clstm_forward_row_avx2(float *gates, const float *bias, const float *c_prev,
                            float *c, float *tanh_c, float *h, long hidden);

/// One row of the backward step, given the activated gates `a` (i, f, g, o),
/// `tanh_c`, `c_prev` (NULL: zero), the gradient from above `up`, the
/// recurrent gradients `dh` (read) and `dc` (read, then replaced by the
/// gradient for the previous step's cell) and the mask value `m`: writes the
/// pre-activation gradients `d` (4H) and adds them to `bias_gradient`.
void clstm_backward_row_avx2(const float *a, const float *tanh_c, const float *c_prev,
                             const float *up, const float *dh, float *dc, float m,
                             float *d, float *bias_gradient, long hidden);

/// y = W x (`accumulate` 0) or y += W x (1) for a row-major W of `rows` x
/// `columns` with row stride `stride`: the matrix-vector products of a network
/// stepped one frame at a time, where a BLAS call costs more in dispatch and
/// packing than the few thousand multiply-adds it does.
void clstm_matvec_avx2(const float *w, long stride, const float *x, float *y,
                       long rows, long columns, int accumulate);

#endif
