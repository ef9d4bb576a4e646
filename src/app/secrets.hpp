#pragma once
/// Development secrets: when CREMA_JWT_SECRET or CREMA_DATA_KEY is not set (allowed only
/// outside production), a random one is generated once and kept in CREMA_DATA_DIR, so tokens
/// and encrypted fields survive restarts.

#include <string>

#include "app/config.hpp"

namespace crema::app {

/// Fills config.jwt_secret and config.data_key_hex from CREMA_DATA_DIR (creating them, mode
/// 0600, when missing). Throws std::runtime_error when the directory cannot be used.
void ensure_development_secrets(Config& config);

}  // namespace crema::app
