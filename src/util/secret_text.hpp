#pragma once
/// Keeping secrets out of messages: the password inside a URL (CREMA_DATABASE_URL,
/// CREMA_REDIS_URL, CREMA_SMTP_URL…) never reaches an error line or a log.

#include <string>
#include <string_view>

namespace crema::util {

/// The password of `scheme://user:password@host…` as written (percent-escapes kept), or
/// "" when the URL has none.
std::string url_password(std::string_view url);

/// The URL with its password replaced by "…" (the user, host and the rest kept).
std::string mask_url_password(std::string_view url);

/// `text` with every occurrence of `secret` (and of its percent-decoded form) replaced by
/// "…"; unchanged when `secret` is empty.
std::string hide(std::string text, std::string_view secret);

}  // namespace crema::util
