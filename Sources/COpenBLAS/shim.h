// OpenBLAS's CBLAS interface, from Debian's libopenblas-dev: the pthread
// flavour's header, else whichever cblas.h the alternatives system points at.
// Only Sources/BLAS imports this.
//
// vadprep does not link OpenBLAS: Sources/BLAS opens it (dlopen) the first time
// it multiplies matrices. Loading it starts its thread pool, whose threads spin
// for about 0.1 s of CPU before they sleep, and costs a few milliseconds of
// relocations; commands that never multiply matrices (extract, segment, verify)
// pay neither. These are the types of the functions Sources/BLAS looks up,
// taken from the header's own declarations.
#if __has_include(<openblas-pthread/cblas.h>)
#include <openblas-pthread/cblas.h>
#else
#include <cblas.h>
#endif

typedef __typeof__(cblas_sgemm) *vadprep_cblas_sgemm_fn;
typedef __typeof__(cblas_dgemm) *vadprep_cblas_dgemm_fn;
typedef __typeof__(openblas_set_num_threads) *vadprep_openblas_set_num_threads_fn;
typedef __typeof__(openblas_get_num_threads) *vadprep_openblas_get_num_threads_fn;
