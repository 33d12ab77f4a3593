// Stub until the ZIP sanitizer (branch i19-office) replaces this file.
#include "sanitize/outcomes.h"

namespace tonari::sanitize {

Result sanitize_zip(const Job&) { return withheld("unsupported_type", "no ZIP sanitizer in this build"); }

}  // namespace tonari::sanitize
