#include "service/notification_service.hpp"

#include <algorithm>
#include <set>

#include <boost/json.hpp>

#include "repo/outbox_repo.hpp"
#include "service/audit.hpp"
#include "service/write_tx.hpp"
#include "util/uuid.hpp"

namespace crema::service {

bool plausible_email(std::string_view s) noexcept {
  if (s.size() < 3 || s.size() > 254) return false;
  const auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  if (s.find_first_of(" \t\r\n<>,;\"()[]\\") != std::string_view::npos) return false;
  const auto domain = s.substr(at + 1);
  const auto dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size();
}

bool plausible_phone(std::string_view s) noexcept {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.size() < 6 || s.size() > 15) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

crema::Result<int> NotificationService::send(const Actor& actor, const SendRequest& request) {
  const boost::json::object payload{{"subject", request.subject}, {"body", request.body}};
  return in_write_tx(pool_, [&](db::Transaction& tx) -> crema::Result<int> {
    std::vector<FieldIssue> issues;
    // recipient address → the account it belongs to ("" when none); distinct addresses.
    std::vector<std::pair<std::string, std::string>> targets;
    std::set<std::string> seen;
    auto add = [&](std::string address, std::string user_id) {
      if (seen.insert(address).second) targets.emplace_back(std::move(address), std::move(user_id));
    };
    const bool sms = request.channel == "sms";
    const bool email = request.channel == "email";
    if (request.all_customers) {
      for (auto& c : repo::opted_in_customers(tx.connection())) {
        if (sms && c.phone.empty()) continue;
        add(sms ? c.phone : c.email, c.user_id);
      }
    } else {
      for (std::size_t i = 0; i < request.recipients.size(); ++i) {
        const auto& r = request.recipients[i];
        const std::string field = "recipients[" + std::to_string(i) + "]";
        if (util::is_uuid(r)) {
          auto contact = repo::find_active_contact(tx.connection(), r);
          if (!contact) {
            issues.push_back({field, "is not an active account"});
          } else if (sms && contact->phone.empty()) {
            issues.push_back({field, "the account has no phone number"});
          } else {
            add(sms ? contact->phone : contact->email, contact->user_id);
          }
        } else if (plausible_email(r)) {
          if (sms) issues.push_back({field, "is an email address; channel sms needs a phone"});
          else add(r, "");
        } else if (plausible_phone(r)) {
          if (email) issues.push_back({field, "is a phone number; channel email needs an email"});
          else add(r, "");
        } else {
          issues.push_back({field, "must be a user id, an email address or a phone number"});
        }
      }
    }
    if (!issues.empty())
      return crema::Error::make(ErrorCode::validation_failed, "Some recipients cannot be used.",
                                std::move(issues));
    for (auto& [address, user_id] : targets)
      enqueue_notification(tx, {"promotion", request.channel, address, user_id, payload});
    record_audit(
        tx, actor,
        {"notification.send", "notification", "",
         "queued " + std::to_string(targets.size()) + " promotion(s) on " + request.channel +
             (request.all_customers ? " to all_customers" : " to listed recipients")});
    return static_cast<int>(targets.size());
  });
}

Page<OutboxMessage, repo::Keyset> NotificationService::list(const NotificationFilter& filter) {
  return make_page(list_notifications(pool_, filter), filter.limit, [](const OutboxMessage& m) {
    return repo::Keyset{m.created_at, m.id};
  });
}

}  // namespace crema::service
