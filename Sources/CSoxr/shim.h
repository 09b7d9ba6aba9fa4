// libsoxr, from Debian's libsoxr-dev. Only Sources/Resample imports this.
#include <soxr.h>
