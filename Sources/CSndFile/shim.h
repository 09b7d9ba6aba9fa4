// libsndfile, as Debian's libsndfile1-dev installs it. No shims are needed:
// every function vadprep calls is non-variadic. Only Sources/SoundFile imports this.
#include <sndfile.h>
