#pragma once
/// One table of wire names per enum (issue 19): the only place a status is spelled. The
/// domain, the services and the repositories use the enum; the table turns it into the text
/// stored in the database and sent on the wire, parses it back, and gives the OpenAPI
/// document its `enum` lists (api/status_enums.hpp), so a new status cannot be left out of
/// the document.
///
///     enum class ReviewStatus : std::uint8_t { visible, flagged, hidden };
///     inline constexpr NameTable<ReviewStatus, 3> kReviewStatuses{
///         {"visible", "flagged", "hidden"}};
///     kReviewStatuses.name(ReviewStatus::hidden);   // "hidden"
///     kReviewStatuses.parse("gone");                // std::nullopt
///     kReviewStatuses.names();                      // every name, in enumerator order

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace crema::domain {

/// The names of the N enumerators of E (0 … N-1), in enumerator order.
template <class E, std::size_t N>
class NameTable {
 public:
  constexpr explicit NameTable(std::array<std::string_view, N> names) : names_(names) {}

  constexpr std::string_view name(E value) const noexcept {
    return names_[static_cast<std::size_t>(value)];
  }
  /// The enumerator with this exact name; nullopt for any other text.
  constexpr std::optional<E> parse(std::string_view text) const noexcept {
    for (std::size_t i = 0; i < N; ++i)
      if (names_[i] == text) return static_cast<E>(i);
    return std::nullopt;
  }
  constexpr std::span<const std::string_view> names() const noexcept { return names_; }
  static constexpr std::size_t size() noexcept { return N; }
  constexpr auto begin() const noexcept { return names_.begin(); }
  constexpr auto end() const noexcept { return names_.end(); }

 private:
  std::array<std::string_view, N> names_;
};

}  // namespace crema::domain
