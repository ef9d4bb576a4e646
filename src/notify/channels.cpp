#include "notify/channels.hpp"

#include <ctime>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "auth/crypto.hpp"
#include "auth/secret_box.hpp"
#include "obs/log.hpp"
#include "repo/webhook_repo.hpp"
#include "util/time.hpp"

namespace crema::notify {

namespace json = boost::json;

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(in[i]) << 16) |
                   (static_cast<unsigned char>(in[i + 1]) << 8) |
                   static_cast<unsigned char>(in[i + 2]);
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += kB64[(n >> 6) & 63];
    out += kB64[n & 63];
  }
  if (i + 1 == in.size()) {
    const auto n = static_cast<unsigned char>(in[i]) << 16;
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const auto n =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += kB64[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// Base64 in lines of 76 characters (RFC 2045).
std::string base64_lines(std::string_view in) {
  const std::string flat = base64(in);
  std::string out;
  for (std::size_t i = 0; i < flat.size(); i += 76) out += flat.substr(i, 76) + "\r\n";
  return out;
}

bool ascii_printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// A header value: as is when plain ASCII, else an RFC 2047 encoded word.
std::string header_text(std::string_view s) {
  if (ascii_printable(s)) return std::string(s);
  return "=?UTF-8?B?" + base64(s) + "?=";
}

std::string rfc5322_date(std::int64_t now_ms) {
  std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// Header injection guard: an address with a line break or angle brackets is refused.
bool safe_address(std::string_view a) {
  return !a.empty() && a.find_first_of("\r\n<>") == std::string_view::npos;
}

std::string form_escape(std::string_view s) {
  std::string out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

json::object payload_of(const service::OutboxMessage& m) {
  boost::system::error_code ec;
  auto v = json::parse(m.payload, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

Delivery failure(std::string error, std::optional<std::int64_t> status = std::nullopt) {
  Delivery d;
  d.outcome.ok = false;
  d.outcome.error = std::move(error);
  d.outcome.status_code = status;
  return d;
}

Delivery success(std::optional<std::int64_t> status = std::nullopt) {
  Delivery d;
  d.outcome.ok = true;
  d.outcome.status_code = status;
  return d;
}

std::string answer_excerpt(const std::string& body) {
  // Twilio's errors are JSON with "message"; otherwise the start of the answer.
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object())
    if (const auto* msg = v.as_object().if_contains("message"); msg && msg->is_string())
      return std::string(msg->get_string());
  return body.substr(0, 200);
}

}  // namespace

std::string sign_payload(std::string_view secret, std::int64_t t, std::string_view body) {
  const std::string ts = std::to_string(t);
  std::string input;
  input.reserve(ts.size() + 1 + body.size());
  input += ts;
  input += '.';
  input += body;
  return "t=" + ts + ",v1=" + auth::hex_encode(auth::hmac_sha256(secret, input));
}

std::string build_mime_message(const std::string& from, const std::string& to,
                               const Rendered& message, const std::string& message_id,
                               std::int64_t now_ms) {
  const std::string boundary = "=_crema_" + message_id;
  std::string m;
  m += "Date: " + rfc5322_date(now_ms) + "\r\n";
  m += "From: <" + from + ">\r\n";
  m += "To: <" + to + ">\r\n";
  m += "Subject: " + header_text(message.subject) + "\r\n";
  m += "Message-ID: <" + message_id + "@crema>\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  m += "\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: base64\r\n\r\n";
  m += base64_lines(message.text);
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: base64\r\n\r\n";
  m += base64_lines(message.html);
  m += "--" + boundary + "--\r\n";
  return m;
}

Channels::Channels(ChannelSettings settings, db::Pool* pool, const auth::SecretBox* secrets)
    : settings_(std::move(settings)),
      templates_(settings_.templates_dir),
      pool_(pool),
      secrets_(secrets) {
  ensure_curl();
  if (!settings_.smtp_url.empty()) {
    smtp_ = parse_smtp_url(settings_.smtp_url);
    if (!smtp_) throw std::runtime_error("CREMA_SMTP_URL must be smtp://[user:pass@]host[:port]");
    smtp_->ca_file = settings_.smtp_ca_file;
    if (settings_.smtp_from.empty()) settings_.smtp_from = "crema@localhost";
  }
  if (!settings_.sms_url.empty()) {
    auto parsed = boost::urls::parse_uri(settings_.sms_url);
    if (!parsed) throw std::runtime_error("CREMA_SMS_URL is not a URL");
    boost::urls::url u(*parsed);
    if (u.has_userinfo()) {
      sms_userpwd_ = u.user() + ":" + u.password();
      u.remove_userinfo();
    }
    sms_url_ = std::string(u.buffer());
  }
}

Delivery Channels::deliver(const service::OutboxMessage& m) {
  if (aborting_.load()) return failure("shutting down");
  if (m.kind == "webhook") return to_webhook(m);
  const auto rendered = templates_.render(m.type, payload_of(m));
  if (m.channel == "email" && smtp_) return to_email(m, rendered);
  if (m.channel == "sms" && !sms_url_.empty()) return to_sms(m, rendered);
  return to_log(m, rendered);
}

Delivery Channels::to_log(const service::OutboxMessage& m, const Rendered& r) {
  obs::Log(obs::Level::info, "notification")
      .str("outbox_id", m.id)
      .str("type", m.type)
      .str("channel", m.channel)
      .str("provider", "log")
      .str("recipient", m.recipient)
      .str("subject", r.subject)
      .str("text", m.channel == "sms" ? r.sms : r.text);
  return success();
}

Delivery Channels::to_email(const service::OutboxMessage& m, const Rendered& r) {
  if (!safe_address(m.recipient)) {
    auto d = failure("the recipient is not a usable email address");
    d.permanent = true;
    return d;
  }
  const auto data = build_mime_message(settings_.smtp_from, m.recipient, r, m.id, util::now_ms());
  auto error =
      smtp_send(*smtp_, settings_.smtp_from, m.recipient, data, settings_.timeout, &aborting_);
  if (!error.empty()) return failure("SMTP: " + error);
  return success();
}

Delivery Channels::to_sms(const service::OutboxMessage& m, const Rendered& r) {
  // Twilio's Messages resource: form-encoded To, From, Body; Basic auth with the account
  // SID and auth token; 201 with the message resource on success.
  std::string form = "To=" + form_escape(m.recipient) + "&From=" + form_escape(settings_.sms_from) +
                     "&Body=" + form_escape(r.sms);
  auto res = http_post(
      sms_url_, form,
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
      sms_userpwd_, settings_.timeout, &aborting_);
  if (!res.error.empty()) return failure("SMS provider: " + res.error);
  if (res.status < 200 || res.status >= 300)
    return failure(
        "SMS provider answered " + std::to_string(res.status) + ": " + answer_excerpt(res.body),
        res.status);
  return success(res.status);
}

Delivery Channels::to_webhook(const service::OutboxMessage& m) {
  if (!pool_ || !secrets_) {
    auto d = failure("webhooks are not available in this process");
    d.permanent = true;
    return d;
  }
  std::optional<repo::WebhookRow> hook;
  {
    auto lease = pool_->read();
    hook = repo::find_webhook(*lease, m.webhook_id);
  }
  if (!hook || hook->deleted_at) {
    auto d = failure("the webhook was deleted");
    d.permanent = true;
    return d;
  }
  auto secret = secrets_->open(hook->secret_sealed);
  if (!secret) {
    auto d = failure("the webhook's secret cannot be opened (was CREMA_DATA_KEY changed?)");
    d.permanent = true;
    return d;
  }
  // SPEC §10: the URL was checked at registration; DNS may have changed since, so it is
  // checked again now and the call pinned to the address checked (no second lookup).
  std::optional<util::OutboundTarget> pin;
  if (!settings_.allow_private_webhooks) {
    auto check = util::check_outbound_url(
        hook->url, false,
        settings_.resolver ? settings_.resolver : util::HostResolver(util::resolve_host));
    if (!check.target) {
      obs::Log(obs::Level::warn, "webhook refused: not a public address")
          .str("outbox_id", m.id)
          .str("webhook_id", hook->id);
      return failure("not sent: " + check.refusal);
    }
    pin = std::move(check.target);
  }
  const auto t = util::now_ms() / 1000;
  auto res = http_post(hook->url, m.payload,
                       {{"Content-Type", "application/json"},
                        {"User-Agent", "crema-webhooks/" CREMA_VERSION},
                        {"X-Crema-Event", m.type},
                        {"X-Crema-Delivery", m.id},
                        {"X-Crema-Signature", sign_payload(*secret, t, m.payload)}},
                       "", settings_.timeout, &aborting_, pin ? &*pin : nullptr);
  if (!res.error.empty()) return failure(res.error);
  // The answer's body is never kept: only its status (an endpoint's answer is not ours to
  // show, and a redirect is not followed).
  if (res.status < 200 || res.status >= 300)
    return failure("the endpoint answered " + std::to_string(res.status), res.status);
  return success(res.status);
}

}  // namespace crema::notify
