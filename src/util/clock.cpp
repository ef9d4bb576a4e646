#include "util/clock.hpp"

#include "util/time.hpp"

namespace crema::util {

namespace {
class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const noexcept override { return util::now_ms(); }
};
}  // namespace

const Clock& system_clock() noexcept {
  static const SystemClock kSystemClock;
  return kSystemClock;
}

}  // namespace crema::util
