// OpenBLAS's CBLAS interface, from Debian's libopenblas-dev (pkg-config adds the
// include directory of the pthread flavour). Only Sources/BLAS imports this.
#include <cblas.h>
