// Pure pieces of notifications: the retry delays, templates, the MIME message and the
// webhook signature.
#include <filesystem>
#include <fstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "domain/outbox.hpp"
#include "notify/channels.hpp"
#include "notify/templates.hpp"
#include "support/scratch_dir.hpp"

namespace crema {
namespace {

TEST(OutboxRetryDelay, DoublesWithJitterInTheUpperHalfAndIsCapped) {
  EXPECT_EQ(domain::outbox_retry_delay_ms(1, 1000, 60000, 0.0), 500);
  EXPECT_EQ(domain::outbox_retry_delay_ms(1, 1000, 60000, 0.999999), 999);
  EXPECT_EQ(domain::outbox_retry_delay_ms(2, 1000, 60000, 0.0), 1000);
  EXPECT_EQ(domain::outbox_retry_delay_ms(4, 1000, 60000, 0.0), 4000);
  for (int a = 1; a <= 40; ++a) {
    const auto d = domain::outbox_retry_delay_ms(a, 1000, 60000, 0.5);
    const std::int64_t full = std::min<std::int64_t>(60000, 1000LL << std::min(a - 1, 20));
    EXPECT_GE(d, full / 2) << a;
    EXPECT_LE(d, full) << a;
  }
  EXPECT_EQ(domain::outbox_retry_delay_ms(1000, 1000, 60000, 0.0), 30000);
  EXPECT_EQ(domain::kOutboxMaxAttempts, 8);
}

TEST(NotificationTypes, AreTheSpecs) {
  for (auto t :
       {"order_placed", "order_status_changed", "delivery_update", "low_stock",
        "event_request_received", "daily_summary", "weekly_summary", "monthly_summary", "promotion",
        "password_reset", "verify_email", "event_quoted", "event_status_changed"})
    EXPECT_TRUE(domain::is_notification_type(t)) << t;
  EXPECT_FALSE(domain::is_notification_type("orders"));
  EXPECT_TRUE(domain::is_notification_channel("sms"));
  EXPECT_FALSE(domain::is_notification_channel("webhook"));
}

TEST(Templates, FillPayloadFieldsAndEscapeHtml) {
  boost::json::object p{{"item", {{"name", "Milk <1%>"}, {"available", 2.5}, {"unit", "l"}}},
                        {"n", 3}};
  EXPECT_EQ(notify::fill_template("{{ item.name }}: {{item.available}} {{item.unit}} {{n}} "
                                  "{{missing}}|",
                                  p, false),
            "Milk <1%>: 2.5 l 3 |");
  EXPECT_EQ(notify::fill_template("<b>{{item.name}}</b>", p, true), "<b>Milk &lt;1%&gt;</b>");
  EXPECT_EQ(notify::fill_template("unclosed {{item.name", p, false), "unclosed {{item.name");
}

TEST(Templates, BuiltInsExistForEveryTypeAndFilesReplaceThem) {
  for (auto t :
       {"order_placed", "order_status_changed", "delivery_update", "low_stock",
        "event_request_received", "daily_summary", "weekly_summary", "monthly_summary", "promotion",
        "password_reset", "verify_email", "event_quoted", "event_status_changed"})
    for (auto part : {"subject", "txt", "html", "sms"})
      EXPECT_FALSE(notify::Templates::builtin(t, part).empty()) << t << "." << part;
  test::ScratchDir dir;
  std::ofstream(dir.file("low_stock.subject")) << "Order more {{item.name}}\n";
  notify::Templates templates(dir.path().string());
  boost::json::object p{{"item", {{"name", "Flour"}}}};
  auto r = templates.render("low_stock", p);
  EXPECT_EQ(r.subject, "Order more Flour ");                          // one line
  EXPECT_NE(r.text.find("Flour is running low"), std::string::npos);  // built-in body
  EXPECT_NE(r.html.find("<b>Flour</b>"), std::string::npos);
  // An edit applies to the next message.
  std::ofstream(dir.file("low_stock.txt")) << "LOW: {{item.name}}";
  EXPECT_EQ(templates.render("low_stock", p).text, "LOW: Flour");
}

TEST(Mime, IsMultipartAlternativeWithPlainAndHtml) {
  notify::Rendered r{"Grüße", "plain body", "<p>html body</p>", "sms"};
  auto m = notify::build_mime_message("shop@example.com", "c@example.com", r, "abc", 0);
  EXPECT_NE(m.find("Content-Type: multipart/alternative; boundary=\"=_crema_abc\"\r\n"),
            std::string::npos);
  EXPECT_NE(m.find("Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(m.find("cGxhaW4gYm9keQ=="), std::string::npos);  // base64("plain body")
  EXPECT_NE(m.find("--=_crema_abc--\r\n"), std::string::npos);
  EXPECT_NE(m.find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), std::string::npos);
  EXPECT_EQ(m.find("\n\n"), std::string::npos);  // CRLF only
}

TEST(WebhookSignature, IsStripeStyleHmacOverTimestampAndBody) {
  const std::string body = R"({"id":"e1"})";
  auto sig = notify::sign_payload("whsec_test", 1700000000, body);
  EXPECT_EQ(sig, "t=1700000000,v1=" +
                     auth::hex_encode(auth::hmac_sha256("whsec_test", "1700000000." + body)));
  EXPECT_NE(sig, notify::sign_payload("whsec_other", 1700000000, body));
}

}  // namespace
}  // namespace crema
