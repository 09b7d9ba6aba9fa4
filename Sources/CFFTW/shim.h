// FFTW 3, single precision (fftwf_*), from Debian's libfftw3-dev.
// No shims are needed. Only Sources/FFT imports this.
#include <fftw3.h>
