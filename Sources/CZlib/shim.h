// zlib, from Debian's zlib1g-dev. Only Sources/Gzip imports this.
#include <zlib.h>
