#include "domain/money.hpp"

#include <cmath>

namespace crema::domain {

namespace {

// x · scale must be a whole number, give or take binary-float noise: 19.99 · 100 is
// 1998.9999999999998, while 19.995 · 100 is 1999.4999999999998 and is refused. The noise
// stays far below the tolerance inside the accepted range.
std::optional<std::int64_t> scaled(double x, double scale, double limit) noexcept {
  if (!std::isfinite(x) || std::fabs(x) > limit) return std::nullopt;
  const double v = x * scale;
  const double r = std::round(v);
  if (std::fabs(v - r) > 1e-3) return std::nullopt;
  return static_cast<std::int64_t>(r);
}

}  // namespace

std::optional<std::int64_t> money_from_major(double major) noexcept {
  return scaled(major, 100.0, 1e11);
}

double money_to_major(std::int64_t minor) noexcept { return static_cast<double>(minor) / 100.0; }

std::optional<std::int64_t> quantity_from_units(double units) noexcept {
  return scaled(units, 1000.0, 1e10);
}

double quantity_to_units(std::int64_t thousandths) noexcept {
  return static_cast<double>(thousandths) / 1000.0;
}

std::int64_t tax_on(std::int64_t minor, int basis_points) noexcept {
  const std::int64_t p = minor * basis_points;
  return p >= 0 ? (p + 5000) / 10000 : -((-p + 5000) / 10000);
}

}  // namespace crema::domain
