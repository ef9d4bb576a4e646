#pragma once
/// The delivery channels of SPEC §10 behind one Deliverer: email over SMTP, SMS through a
/// Twilio-compatible HTTP provider, partner webhooks (signed POSTs), and the log — which
/// takes every email or SMS whose provider is not configured.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "db/pool.hpp"
#include "notify/curl_transport.hpp"
#include "notify/deliverer.hpp"
#include "notify/templates.hpp"

namespace crema::auth {
class SecretBox;
}

namespace crema::notify {

struct ChannelSettings {
  std::string smtp_url;       ///< CREMA_SMTP_URL; "" → emails go to the log
  std::string smtp_from;      ///< CREMA_SMTP_FROM
  std::string smtp_ca_file;   ///< CREMA_SMTP_CA_FILE
  std::string sms_url;        ///< CREMA_SMS_URL; "" → SMS go to the log
  std::string sms_from;       ///< CREMA_SMS_FROM
  std::string templates_dir;  ///< CREMA_TEMPLATES_DIR
  /// CREMA_ALLOW_PRIVATE_WEBHOOKS: partner webhooks may call private addresses.
  bool allow_private_webhooks = false;
  /// How webhook hosts are resolved (the system's resolver when empty).
  util::HostResolver resolver;
  std::chrono::milliseconds timeout{std::chrono::seconds(20)};
};

/// The `X-Crema-Signature` value for `body` at unix time `t` (SPEC §9's scheme):
/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
std::string sign_payload(std::string_view secret, std::int64_t t, std::string_view body);

/// The complete RFC 5322 message (CRLF line ends): multipart/alternative with a plain-text
/// and an HTML part, both UTF-8, base64 encoded.
std::string build_mime_message(const std::string& from, const std::string& to,
                               const Rendered& message, const std::string& message_id,
                               std::int64_t now_ms);

class Channels final : public Deliverer {
 public:
  /// `pool` and `secrets` are needed for webhook deliveries (the endpoint and its secret);
  /// both may be null when none are sent (then webhook rows fail permanently).
  Channels(ChannelSettings settings, db::Pool* pool, const auth::SecretBox* secrets);
  Delivery deliver(const service::OutboxMessage& message) override;
  void abort_in_flight() noexcept override { aborting_.store(true); }

  bool email_configured() const noexcept { return smtp_.has_value(); }

 private:
  Delivery to_log(const service::OutboxMessage& m, const Rendered& r);
  Delivery to_email(const service::OutboxMessage& m, const Rendered& r);
  Delivery to_sms(const service::OutboxMessage& m, const Rendered& r);
  Delivery to_webhook(const service::OutboxMessage& m);

  ChannelSettings settings_;
  Templates templates_;
  std::optional<SmtpSettings> smtp_;
  std::string sms_url_;      ///< without credentials
  std::string sms_userpwd_;  ///< "sid:token" from the URL
  db::Pool* pool_;
  const auth::SecretBox* secrets_;
  std::atomic<bool> aborting_{false};
};

}  // namespace crema::notify
