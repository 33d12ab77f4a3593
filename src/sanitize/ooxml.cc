// Stub until the OOXML sanitizer (branch i19-office) replaces this file.
#include "sanitize/outcomes.h"

namespace tonari::sanitize {

Result sanitize_ooxml(const Job&, const std::string& detected_type) {
  return withheld("unsupported_type", "no OOXML sanitizer in this build: " + detected_type);
}

}  // namespace tonari::sanitize
