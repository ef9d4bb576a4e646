#pragma once
/// `crema seed-demo`: a realistic café-bakery to try Crema with — espresso drinks with size
/// and milk modifiers and recipes on milk and beans, pastries and breads with tracked
/// stock, and a few staff accounts (their emails and the demo password are printed).

#include "app/config.hpp"

namespace crema::app {

/// Seeds an empty catalogue (applies migrations first). A database that already has
/// products is left alone (exit 0, said so), so the command is safe to repeat. Refused in
/// production. Returns the process exit code.
int run_seed_demo(const Config& config);

/// The password of every demo account.
inline constexpr const char* kDemoPassword = "crema-demo-2026";

}  // namespace crema::app
