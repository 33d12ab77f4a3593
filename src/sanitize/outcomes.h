// Small constructors of Result for the family sanitizers, so that every refusal carries a
// reason code and an English detail.
#pragma once

#include <string>

#include "sanitize/sanitize.h"

namespace tonari::sanitize {

inline Result withheld(std::string reason, std::string detail) {
  Result r;
  r.outcome = Outcome::withheld;
  r.reason = std::move(reason);
  r.detail = std::move(detail);
  return r;
}

inline Result blocked(std::string reason, std::string detail) {
  Result r = withheld(std::move(reason), std::move(detail));
  r.outcome = Outcome::blocked;
  return r;
}

}  // namespace tonari::sanitize
