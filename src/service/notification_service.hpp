#pragma once
/// The admin's notifications (SPEC §10): send a promotion to chosen recipients or to the
/// `all_customers` segment, and look at what was queued and sent.

#include <string>
#include <vector>

#include "db/pool.hpp"
#include "service/actor.hpp"
#include "service/outbox.hpp"
#include "service/page.hpp"
#include "util/error.hpp"

namespace crema::service {

struct SendRequest {
  std::string channel = "email";        ///< email | sms | log
  std::vector<std::string> recipients;  ///< user ids, emails or phone numbers
  bool all_customers = false;           ///< the segment instead of recipients
  std::string subject;
  std::string body;
};

class NotificationService {
 public:
  explicit NotificationService(db::Pool& pool) : pool_(pool) {}

  /// Queues one `promotion` per distinct recipient, with an audit row, in one transaction;
  /// returns how many were queued. A user id that is not an active account, or an address
  /// unfit for the channel → 422 naming `recipients[i]`.
  crema::Result<int> send(const Actor& actor, const SendRequest& request);

  /// Newest first; up to filter.limit + 1 rows.
  Page<OutboxMessage, repo::Keyset> list(const NotificationFilter& filter);

 private:
  db::Pool& pool_;
};

/// Looks like an email address (one @, something on both sides, a dot in the domain, no
/// spaces or brackets, at most 254 characters).
bool plausible_email(std::string_view s) noexcept;
/// An E.164-style phone number: optional +, 6 to 15 digits.
bool plausible_phone(std::string_view s) noexcept;

}  // namespace crema::service
