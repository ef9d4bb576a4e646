#pragma once
/// Money and stock quantities as exact integers (SPEC §2): money in minor units (cents),
/// quantities in thousandths. JSON carries them as numbers in major units / whole units.

#include <cstdint>
#include <optional>
#include <string>

namespace crema::domain {

/// Minor units from a JSON number in major units with at most two decimals (9.50 → 950).
/// Nothing when it has more decimals, is not finite, or is beyond ±10^11.
std::optional<std::int64_t> money_from_major(double major) noexcept;
/// The JSON number for minor units (950 → 9.5).
double money_to_major(std::int64_t minor) noexcept;

/// Thousandths from a JSON number with at most three decimals (2.125 → 2125), within ±10^10.
std::optional<std::int64_t> quantity_from_units(double units) noexcept;
/// The JSON number for thousandths (2125 → 2.125).
double quantity_to_units(std::int64_t thousandths) noexcept;

/// Tax on an amount in basis points, rounded half away from zero (exact integer arithmetic).
std::int64_t tax_on(std::int64_t minor, int basis_points) noexcept;

}  // namespace crema::domain
