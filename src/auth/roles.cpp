#include "auth/roles.hpp"

namespace crema::auth {

namespace {
constexpr std::string_view kNames[] = {"customer", "driver", "staff", "manager", "admin"};
}

std::string_view role_name(Role role) noexcept { return kNames[static_cast<std::size_t>(role)]; }

std::optional<Role> parse_role(std::string_view name) noexcept {
  for (std::size_t i = 0; i < std::size(kNames); ++i)
    if (kNames[i] == name) return static_cast<Role>(i);
  return std::nullopt;
}

}  // namespace crema::auth
