// The delivery channels against local stand-ins: a Twilio-style SMS endpoint and an SMTP
// sink with STARTTLS and AUTH, both started by the test.
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "notify/channels.hpp"
#include "support/fake_endpoint.hpp"
#include "support/tls_files.hpp"
#include "util/time.hpp"

namespace crema::test {
namespace {

service::OutboxMessage message(
    std::string channel, std::string recipient, std::string type = "promotion",
    std::string payload = R"({"subject":"Fresh croissants","body":"Two for one <today>"})") {
  service::OutboxMessage m;
  m.id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  m.kind = "notification";
  m.type = std::move(type);
  m.channel = std::move(channel);
  m.recipient = std::move(recipient);
  m.payload = std::move(payload);
  return m;
}

std::string form_value(const std::string& form, const std::string& key) {
  std::size_t pos = 0;
  while (pos < form.size()) {
    auto amp = form.find('&', pos);
    auto pair = form.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      std::string v = pair.substr(eq + 1), out;
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size()) {
          out.push_back(static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16)));
          i += 2;
        } else {
          out.push_back(v[i] == '+' ? ' ' : v[i]);
        }
      }
      return out;
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return {};
}

TEST(SmsChannel, SpeaksTheTwilioMessagesFormat) {
  FakeHttpEndpoint provider([](const RecordedRequest&, int) {
    return FakeHttpEndpoint::Answer{201, R"({"sid":"SM123","status":"queued"})"};
  });
  notify::ChannelSettings s;
  s.sms_url = "http://AC123:secret-token@127.0.0.1:" + std::to_string(provider.port()) +
              "/2010-04-01/Accounts/AC123/Messages.json";
  s.sms_from = "+15550009999";
  notify::Channels channels(s, nullptr, nullptr);
  auto d = channels.deliver(message("sms", "+15551234567"));
  ASSERT_TRUE(d.outcome.ok) << d.outcome.error;
  EXPECT_EQ(d.outcome.status_code, 201);
  ASSERT_EQ(provider.requests().size(), 1u);
  const auto r = provider.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/2010-04-01/Accounts/AC123/Messages.json");
  EXPECT_EQ(r.header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.header("authorization"), "Basic " + std::string("QUMxMjM6c2VjcmV0LXRva2Vu"));
  EXPECT_EQ(form_value(r.body, "To"), "+15551234567");
  EXPECT_EQ(form_value(r.body, "From"), "+15550009999");
  EXPECT_EQ(form_value(r.body, "Body"), "Two for one <today>");
}

TEST(SmsChannel, AProviderErrorIsAFailedTryWithItsMessage) {
  FakeHttpEndpoint provider([](const RecordedRequest&, int) {
    return FakeHttpEndpoint::Answer{503, R"({"code":20503,"message":"Service unavailable"})"};
  });
  notify::ChannelSettings s;
  s.sms_url = provider.url("/Messages.json");
  notify::Channels channels(s, nullptr, nullptr);
  auto d = channels.deliver(message("sms", "+15551234567"));
  EXPECT_FALSE(d.outcome.ok);
  EXPECT_FALSE(d.permanent);
  EXPECT_EQ(d.outcome.status_code, 503);
  EXPECT_NE(d.outcome.error.find("Service unavailable"), std::string::npos) << d.outcome.error;
}

TEST(LogChannel, TakesEmailAndSmsWhenNoProviderIsConfigured) {
  notify::Channels channels({}, nullptr, nullptr);
  EXPECT_FALSE(channels.email_configured());
  EXPECT_TRUE(channels.deliver(message("email", "a@example.com")).outcome.ok);
  EXPECT_TRUE(channels.deliver(message("sms", "+15551234567")).outcome.ok);
  EXPECT_TRUE(channels.deliver(message("log", "anyone")).outcome.ok);
}

TEST(EmailChannel, SendsMultipartMimeOverStartTlsWithAuth) {
  TlsFiles tls;
  SmtpSink sink(tls.cert(), tls.key());
  notify::ChannelSettings s;
  s.smtp_url = "smtp://mailer%40shop:p%40ss@127.0.0.1:" + std::to_string(sink.port());
  s.smtp_from = "shop@example.com";
  s.smtp_ca_file = tls.cert();
  notify::Channels channels(s, nullptr, nullptr);
  ASSERT_TRUE(channels.email_configured());
  auto d = channels.deliver(message(
      "email", "cust@example.com", "low_stock",
      R"({"item":{"name":"Milk & cream","available":1.5,"unit":"l","low_stock_threshold":2}})"));
  ASSERT_TRUE(d.outcome.ok) << d.outcome.error;
  ASSERT_TRUE(sink.wait_for(1));
  auto m = sink.messages()[0];
  EXPECT_TRUE(m.tls);  // STARTTLS before anything else
  EXPECT_EQ(m.auth_user, "mailer@shop");
  EXPECT_EQ(m.auth_password, "p@ss");
  EXPECT_EQ(m.mail_from, "shop@example.com");
  ASSERT_EQ(m.rcpt_to.size(), 1u);
  EXPECT_EQ(m.rcpt_to[0], "cust@example.com");
  EXPECT_NE(m.data.find("Subject: Low stock: Milk & cream\r\n"), std::string::npos) << m.data;
  EXPECT_NE(m.data.find("MIME-Version: 1.0"), std::string::npos);
  auto boundary_at = m.data.find("boundary=\"");
  ASSERT_NE(boundary_at, std::string::npos);
  const auto boundary =
      m.data.substr(boundary_at + 10, m.data.find('"', boundary_at + 10) - boundary_at - 10);
  // Two parts, plain then HTML, each base64.
  auto part = [&](std::string_view type) {
    auto at = m.data.find("Content-Type: " + std::string(type));
    if (at == std::string::npos) return std::string();
    auto start = m.data.find("\r\n\r\n", at) + 4;
    auto end = m.data.find("--" + boundary, start);
    return base64_decode_std(m.data.substr(start, end - start));
  };
  EXPECT_NE(part("text/plain").find("Milk & cream is running low: 1.5 l available"),
            std::string::npos);
  EXPECT_NE(part("text/html").find("<b>Milk &amp; cream</b>"), std::string::npos)
      << part("text/html");
  EXPECT_NE(m.data.find("--" + boundary + "--"), std::string::npos);
}

TEST(EmailChannel, RefusesToSendInClearTextAndReportsServerRefusals) {
  TlsFiles tls;
  SmtpSink sink(tls.cert(), tls.key(), 1);  // refuses the first message
  notify::ChannelSettings s;
  s.smtp_url = "smtp://127.0.0.1:" + std::to_string(sink.port());
  s.smtp_ca_file = tls.cert();
  notify::Channels channels(s, nullptr, nullptr);
  auto first = channels.deliver(message("email", "c@example.com"));
  EXPECT_FALSE(first.outcome.ok);
  EXPECT_NE(first.outcome.error.find("SMTP"), std::string::npos) << first.outcome.error;
  auto second = channels.deliver(message("email", "c@example.com"));
  EXPECT_TRUE(second.outcome.ok) << second.outcome.error;
  EXPECT_EQ(sink.rejected(), 1);
  // A certificate that is not trusted: no mail goes out.
  notify::ChannelSettings untrusted = s;
  untrusted.smtp_ca_file.clear();
  notify::Channels strict(untrusted, nullptr, nullptr);
  EXPECT_FALSE(strict.deliver(message("email", "c@example.com")).outcome.ok);
  EXPECT_EQ(sink.messages().size(), 1u);
}

// A call to an API-supplied URL is pinned to the address that was checked: the host name is
// never looked up again (".invalid" never resolves, yet the call arrives), and a socket to
// any other address is refused.
TEST(PinnedCalls, ConnectToTheCheckedAddressOnly) {
  FakeHttpEndpoint partner;
  util::OutboundTarget pin;
  pin.host = "partner.invalid";
  pin.port = partner.port();
  pin.address = *util::IpAddress::parse("127.0.0.1");
  auto res = notify::http_post("http://partner.invalid:" + std::to_string(partner.port()) + "/h",
                               "{}", {{"Content-Type", "application/json"}}, "",
                               std::chrono::seconds(5), nullptr, &pin);
  EXPECT_TRUE(res.error.empty()) << res.error;
  EXPECT_EQ(res.status, 200);
  ASSERT_EQ(partner.requests().size(), 1u);
  EXPECT_EQ(partner.requests()[0].header("host"),
            "partner.invalid:" + std::to_string(partner.port()));

  // The URL names one address, the check allowed another: nothing is sent.
  util::OutboundTarget other = pin;
  other.host = "127.0.0.1";
  other.literal = true;
  other.address = *util::IpAddress::parse("127.0.0.2");
  auto refused =
      notify::http_post(partner.url("/h"), "{}", {}, "", std::chrono::seconds(5), nullptr, &other);
  EXPECT_FALSE(refused.error.empty());
  EXPECT_EQ(refused.status, 0);
  EXPECT_EQ(partner.requests().size(), 1u);
}

TEST(PinnedCalls, RedirectsAreNotFollowed) {
  FakeHttpEndpoint partner([](const RecordedRequest& r, int) {
    FakeHttpEndpoint::Answer a;
    if (r.target == "/h") {
      a.status = 302;
      a.body = "internal secrets";
      a.headers = {{"Location", "/elsewhere"}};
    }
    return a;
  });
  auto res = notify::http_post(partner.url("/h"), "{}", {}, "", std::chrono::seconds(5));
  EXPECT_EQ(res.status, 302);
  ASSERT_TRUE(partner.wait_for(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(partner.requests().size(), 1u);
}

}  // namespace
}  // namespace crema::test
