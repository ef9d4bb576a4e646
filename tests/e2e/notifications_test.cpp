// Notifications and partner webhooks through the real binary (SPEC §10): the admin routes,
// delivery over a local SMTP sink (STARTTLS, AUTH) and a fake Twilio-style SMS endpoint, the
// low-stock trigger, signed webhook deliveries received and verified, crash recovery (the
// process killed between claim and send), SIGTERM handing rows back, and `crema worker`.
#include <csignal>
#include <fstream>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "db/pool.hpp"
#include "e2e/identity_support.hpp"
#include "support/child_process.hpp"
#include "support/fake_endpoint.hpp"
#include "support/tls_files.hpp"
#include "util/time.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

// The first mail from index `from` on to `rcpt` whose text holds `needle`, waiting up to
// 15 s: other mails (the verify_email of each new account) may arrive in between.
std::optional<SmtpMessage> mail_to(const SmtpSink& sink, std::size_t from, const std::string& rcpt,
                                   const std::string& needle) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  do {
    const auto all = sink.messages();
    for (std::size_t i = from; i < all.size(); ++i)
      if (all[i].rcpt_to.size() == 1 && all[i].rcpt_to[0] == rcpt &&
          all[i].data.find(needle) != std::string::npos)
        return all[i];
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  return std::nullopt;
}

std::string form_value(const std::string& form, const std::string& key) {
  std::size_t pos = 0;
  while (pos <= form.size()) {
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

// Polls GET until pred holds on the JSON body (or the time is up).
json::value poll_json(HttpClient& c, const std::string& path, const RequestHeaders& h,
                      const std::function<bool(const json::value&)>& pred,
                      std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  json::value last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = c.get(path, h);
    last = body_of(r);
    if (r.status == 200 && pred(last)) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

bool verify_signature(const RecordedRequest& r, const std::string& secret) {
  auto sig = r.header("x-crema-signature");
  auto comma = sig.find(",v1=");
  if (sig.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
  const auto t = sig.substr(2, comma - 2);
  const auto expected = auth::hex_encode(auth::hmac_sha256(secret, t + "." + r.body));
  const auto age = util::now_ms() / 1000 - std::stoll(t);
  return auth::constant_time_equal(sig.substr(comma + 4), expected) && age >= 0 && age < 300;
}

class NotificationsE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tls_ = new TlsFiles();
    sink_ = new SmtpSink(tls_->cert(), tls_->key());
    sms_ = new FakeHttpEndpoint([](const RecordedRequest&, int) {
      return FakeHttpEndpoint::Answer{201, R"({"sid":"SM1","status":"queued"})"};
    });
    partner_ = new FakeHttpEndpoint();
    auto o = identity_server(
        {{"CREMA_AUTH_RATE_PER_MIN", "0"},
         {"CREMA_OUTBOX_POLL_MS", "50"},
         // the partner is a fake endpoint on loopback (SPEC §10 refuses it otherwise)
         {"CREMA_ALLOW_PRIVATE_WEBHOOKS", "1"},
         {"CREMA_SMTP_URL", "smtp://mailer:s3cret@127.0.0.1:" + std::to_string(sink_->port())},
         {"CREMA_SMTP_FROM", "shop@example.com"},
         {"CREMA_SMTP_CA_FILE", tls_->cert()},
         {"CREMA_SMS_URL", "http://AC1:tok@127.0.0.1:" + std::to_string(sms_->port()) +
                               "/2010-04-01/Accounts/AC1/Messages.json"},
         {"CREMA_SMS_FROM", "+15550000000"}});
    shared_ = SharedServer::start(o).release();
  }
  static void TearDownTestSuite() {
    delete shared_;
    delete partner_;
    delete sms_;
    delete sink_;
    delete tls_;
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    client_ = client_for(*shared_->server);
    auth_ = std::make_unique<AuthHelper>(*shared_->server);
  }
  RequestHeaders admin() { return auth_->admin().bearer(); }

  static TlsFiles* tls_;
  static SmtpSink* sink_;
  static FakeHttpEndpoint* sms_;
  static FakeHttpEndpoint* partner_;
  static SharedServer* shared_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<AuthHelper> auth_;
};

TlsFiles* NotificationsE2e::tls_ = nullptr;
SmtpSink* NotificationsE2e::sink_ = nullptr;
FakeHttpEndpoint* NotificationsE2e::sms_ = nullptr;
FakeHttpEndpoint* NotificationsE2e::partner_ = nullptr;
SharedServer* NotificationsE2e::shared_ = nullptr;

TEST_F(NotificationsE2e, ThePromotionSegmentReachesOptedInCustomersByEmail) {
  auto in = auth_->create("customer");
  auto out = auth_->create("customer");
  auto r =
      client_->request("PUT", "/api/v1/users/" + in.id, R"({"marketing_opt_in": true})", admin());
  ASSERT_EQ(r.status, 200) << r.describe();
  const auto before = sink_->messages().size();
  r = post_json(*client_, "/api/v1/notifications/send",
                {{"segment", "all_customers"},
                 {"subject", "Fresh croissants"},
                 {"body", "Two for one today"}},
                admin());
  ASSERT_EQ(r.status, 202) << r.describe();
  EXPECT_EQ(body_of(r).at("queued").as_int64(), 1);
  auto promo = mail_to(*sink_, before, in.email, "Subject: Fresh croissants");
  ASSERT_TRUE(promo);
  const auto& m = *promo;
  EXPECT_TRUE(m.tls);
  EXPECT_EQ(m.auth_user, "mailer");
  EXPECT_NE(m.data.find("Subject: Fresh croissants"), std::string::npos);
  // The admin sees it sent, filtered by channel and status.
  auto list = poll_json(*client_, "/api/v1/notifications?channel=email&status=sent&type=promotion",
                        admin(), [&](const json::value& v) {
                          for (const auto& i : v.at("items").as_array())
                            if (i.at("recipient").as_string() == in.email) return true;
                          return false;
                        });
  bool found = false;
  for (const auto& i : list.at("items").as_array()) {
    EXPECT_NE(i.at("recipient").as_string(), out.email);
    if (i.at("recipient").as_string() != in.email) continue;
    found = true;
    EXPECT_EQ(i.at("status").as_string(), "sent");
    EXPECT_EQ(i.at("attempts").as_int64(), 1);
    EXPECT_EQ(i.at("payload").at("subject").as_string(), "Fresh croissants");
    EXPECT_TRUE(i.at("sent_at").is_string());
  }
  EXPECT_TRUE(found) << json::serialize(list);
  // An audit row for the admin's mutation.
  auto audit = client_->get("/api/v1/admin/audit-log?action=notification.send", admin());
  ASSERT_EQ(audit.status, 200);
  EXPECT_FALSE(body_of(audit).at("items").as_array().empty());
}

TEST_F(NotificationsE2e, SmsGoesToTheProviderInTwilioFormat) {
  const auto before = sms_->requests().size();
  auto r = post_json(*client_, "/api/v1/notifications/send",
                     {{"channel", "sms"},
                      {"recipients", json::array{"+15551230001", "+15551230001", "+15551230002"}},
                      {"subject", "s"},
                      {"body", "Bread is out of the oven"}},
                     admin());
  ASSERT_EQ(r.status, 202) << r.describe();
  EXPECT_EQ(body_of(r).at("queued").as_int64(), 2);  // distinct recipients
  ASSERT_TRUE(sms_->wait_for(before + 2));
  std::set<std::string> to;
  const auto requests = sms_->requests();
  for (std::size_t i = before; i < requests.size(); ++i) {
    const auto& q = requests[i];
    EXPECT_EQ(q.target, "/2010-04-01/Accounts/AC1/Messages.json");
    EXPECT_EQ(form_value(q.body, "From"), "+15550000000");
    EXPECT_EQ(form_value(q.body, "Body"), "Bread is out of the oven");
    to.insert(form_value(q.body, "To"));
  }
  EXPECT_EQ(to, (std::set<std::string>{"+15551230001", "+15551230002"}));
  // The delivery counters and the backlog gauge are in /metrics.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string metrics;
  while (std::chrono::steady_clock::now() < deadline) {
    metrics = client_->get("/metrics").body;
    if (metrics.find("outbox_deliveries_total{channel=\"sms\",outcome=\"sent\"}") !=
        std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(metrics.find("outbox_deliveries_total{channel=\"sms\",outcome=\"sent\"}"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("\noutbox_backlog "), std::string::npos) << metrics;
}

TEST_F(NotificationsE2e, BadInputIsA4xxWithTheErrorShape) {
  auto send = [&](const json::object& body, const RequestHeaders& h) {
    return post_json(*client_, "/api/v1/notifications/send", body, h);
  };
  EXPECT_ERROR(send({{"subject", "s"}, {"body", "b"}}, admin()), 422, "validation_failed");
  EXPECT_ERROR(send({{"subject", "s"},
                     {"body", "b"},
                     {"segment", "all_customers"},
                     {"recipients", json::array{"a@example.com"}}},
                    admin()),
               422, "validation_failed");
  auto r = send({{"subject", "s"}, {"body", "b"}, {"recipients", json::array{"nobody at all"}}},
                admin());
  EXPECT_ERROR(r, 422, "validation_failed");
  ASSERT_TRUE(body_of(r).at("error").at("details").is_array());
  EXPECT_EQ(body_of(r).at("error").at("details").as_array()[0].at("field").as_string(),
            "recipients[0]");
  r = send({{"channel", "email"},
            {"subject", "s"},
            {"body", "b"},
            {"recipients", json::array{"+15551230001", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}}},
           admin());
  EXPECT_ERROR(r, 422, "validation_failed");
  EXPECT_EQ(body_of(r).at("error").at("details").as_array().size(), 2u);
  EXPECT_ERROR(
      send({{"channel", "fax"}, {"subject", "s"}, {"body", "b"}, {"segment", "all_customers"}},
           admin()),
      422, "validation_failed");
  EXPECT_ERROR(send({{"subject", "s"}, {"body", "b"}, {"segment", "all_customers"}},
                    auth_->bearer("manager")),
               403, "forbidden");
  EXPECT_ERROR(send({{"subject", "s"}, {"body", "b"}, {"segment", "all_customers"}}, {}), 401,
               "unauthorized");
  EXPECT_ERROR(client_->post("/api/v1/notifications/send", "{not json", admin()), 400,
               "bad_request");
  EXPECT_ERROR(client_->get("/api/v1/notifications?status=lost", admin()), 400, "bad_request");
  EXPECT_ERROR(client_->get("/api/v1/notifications?cursor=zzz", admin()), 400, "bad_request");
  EXPECT_ERROR(client_->get("/api/v1/notifications", auth_->bearer("staff")), 403, "forbidden");
}

TEST_F(NotificationsE2e, NotificationsPageWithACursor) {
  for (int i = 0; i < 3; ++i) {
    auto r = post_json(*client_, "/api/v1/notifications/send",
                       {{"channel", "log"},
                        {"recipients", json::array{"page" + std::to_string(i) + "@example.com"}},
                        {"subject", "s"},
                        {"body", "b"}},
                       admin());
    ASSERT_EQ(r.status, 202);
  }
  auto first = client_->get("/api/v1/notifications?channel=log&limit=2", admin());
  ASSERT_EQ(first.status, 200);
  auto items = body_of(first).at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  auto cursor = body_of(first).at("next_cursor");
  ASSERT_TRUE(cursor.is_string());
  auto second = client_->get(
      "/api/v1/notifications?channel=log&limit=2&cursor=" + std::string(cursor.as_string()),
      admin());
  ASSERT_EQ(second.status, 200);
  auto more = body_of(second).at("items").as_array();
  ASSERT_GE(more.size(), 1u);
  EXPECT_NE(more[0].at("id"), items[0].at("id"));
  EXPECT_NE(more[0].at("id"), items[1].at("id"));
  EXPECT_LT(json::serialize(more[0].at("id")), json::serialize(items[1].at("id")));
}

TEST_F(NotificationsE2e, WebhooksReceiveSignedEventsAndLowStockAlertsTheManagers) {
  // Validation first.
  auto bad =
      post_json(*client_, "/api/v1/webhooks",
                {{"url", "ftp://example.com/x"}, {"events", json::array{"Bad Name"}}}, admin());
  EXPECT_ERROR(bad, 422, "validation_failed");
  EXPECT_EQ(body_of(bad).at("error").at("details").as_array().size(), 2u);
  EXPECT_ERROR(post_json(*client_, "/api/v1/webhooks",
                         {{"url", partner_->url("/x")}, {"events", json::array{"menu_updated"}}},
                         auth_->bearer("manager")),
               403, "forbidden");

  auto created = post_json(*client_, "/api/v1/webhooks",
                           {{"url", partner_->url("/crema")},
                            {"events", json::array{"inventory_low"}},
                            {"description", "stock sync"}},
                           admin());
  ASSERT_EQ(created.status, 201) << created.describe();
  const auto hook = body_of(created).as_object();
  const std::string id(hook.at("id").as_string());
  const std::string secret(hook.at("secret").as_string());
  EXPECT_EQ(created.header("Location"), "/api/v1/webhooks/" + id);
  auto list = client_->get("/api/v1/webhooks", admin());
  ASSERT_EQ(list.status, 200);
  bool listed = false;
  const auto listed_body = body_of(list);
  for (const auto& w : listed_body.at("items").as_array()) {
    EXPECT_FALSE(w.as_object().contains("secret"));
    listed = listed || w.at("id").as_string() == id;
  }
  EXPECT_TRUE(listed);

  // A manager's adjustment takes an item below its threshold.
  const auto manager = auth_->account("manager");
  auto item = post_json(*client_, "/api/v1/inventory",
                        {{"name", "Hazelnut " + unique_id("n")},
                         {"unit", "kg"},
                         {"on_hand", 10},
                         {"low_stock_threshold", 5}},
                        manager.bearer());
  ASSERT_EQ(item.status, 201) << item.describe();
  const std::string item_id(body_of(item).at("id").as_string());
  const std::string item_name(body_of(item).at("name").as_string());
  const auto partner_before = partner_->requests().size();
  auto adj = post_json(*client_, "/api/v1/inventory/adjustment",
                       {{"inventory_item_id", item_id}, {"delta", -6}, {"reason", "count"}},
                       manager.bearer());
  ASSERT_EQ(adj.status, 200) << adj.describe();
  ASSERT_TRUE(partner_->wait_for(partner_before + 1));
  const auto delivery = partner_->requests()[partner_before];
  EXPECT_EQ(delivery.method, "POST");
  EXPECT_EQ(delivery.target, "/crema");
  EXPECT_EQ(delivery.header("x-crema-event"), "inventory_low");
  EXPECT_TRUE(verify_signature(delivery, secret)) << delivery.header("x-crema-signature");
  auto event = json::parse(delivery.body).as_object();
  EXPECT_EQ(event.at("type").as_string(), "inventory_low");
  EXPECT_EQ(event.at("data").at("id").as_string(), item_id);
  EXPECT_TRUE(event.contains("id") && event.contains("at"));

  // The managers and admins got a low_stock email.
  ASSERT_TRUE(sink_->wait_for(1));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool mailed = false;
  while (!mailed && std::chrono::steady_clock::now() < deadline) {
    for (const auto& m : sink_->messages())
      mailed = mailed || (m.rcpt_to[0] == manager.email &&
                          m.data.find("Subject: Low stock: " + item_name) != std::string::npos);
    if (!mailed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(mailed);

  // And /metrics counts the item among those below their threshold (refreshed every 5 s).
  double low = 0;
  const auto metrics_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(12);
  while (low < 1 && std::chrono::steady_clock::now() < metrics_deadline) {
    const auto text = client_->get("/metrics").body;
    const auto at = text.find("\ninventory_low_stock_items ");
    if (at != std::string::npos) low = std::stod(text.substr(at + 27));
    if (low < 1) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_GE(low, 1) << "inventory_low_stock_items did not count the item";

  // The deliveries log.
  auto log = poll_json(*client_, "/api/v1/webhooks/" + id + "/deliveries", admin(),
                       [](const json::value& v) {
                         return !v.at("items").as_array().empty() &&
                                v.at("items").as_array()[0].at("status").as_string() == "sent";
                       });
  ASSERT_FALSE(log.at("items").as_array().empty());
  const auto& d = log.at("items").as_array()[0];
  EXPECT_EQ(d.at("event_type").as_string(), "inventory_low");
  EXPECT_EQ(d.at("last_status_code").as_int64(), 200);
  EXPECT_EQ(d.at("id").as_string(), delivery.header("x-crema-delivery"));
  EXPECT_EQ(d.at("attempt_log").as_array().size(), 1u);

  // Deletion.
  auto del = client_->request("DELETE", "/api/v1/webhooks/" + id, {}, admin());
  EXPECT_EQ(del.status, 204);
  EXPECT_ERROR(client_->request("DELETE", "/api/v1/webhooks/" + id, {}, admin()), 404, "not_found");
  EXPECT_ERROR(client_->get("/api/v1/webhooks/not-a-uuid/deliveries", admin()), 404, "not_found");
  auto audit = client_->get("/api/v1/admin/audit-log?action=webhook.delete", admin());
  ASSERT_EQ(audit.status, 200);
  EXPECT_FALSE(body_of(audit).at("items").as_array().empty());
}

// ---- process lifecycle -------------------------------------------------------------------------

ServerOptions sms_server(const std::string& db_url, const FakeHttpEndpoint& provider,
                         EnvOverrides extra = {}) {
  auto o = identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"},
                            {"CREMA_OUTBOX_POLL_MS", "50"},
                            {"CREMA_SMS_URL", provider.url("/Messages.json")},
                            {"CREMA_SMS_FROM", "+15550000000"}});
  o.database_url = db_url;
  for (auto& [k, v] : extra) o.env[k] = v;
  return o;
}

int send_sms(HttpClient& c, AuthHelper& auth, int n) {
  json::array to;
  for (int i = 0; i < n; ++i) to.emplace_back("+1555100" + std::to_string(1000 + i));
  auto r = post_json(c, "/api/v1/notifications/send",
                     {{"channel", "sms"}, {"recipients", to}, {"subject", "s"}, {"body", "b"}},
                     auth.admin().bearer());
  EXPECT_EQ(r.status, 202) << r.describe();
  return r.status == 202 ? static_cast<int>(body_of(r).at("queued").as_int64()) : 0;
}

TEST_F(NotificationsE2e, AnOrderEmailsItsCustomerAndReachesPartnersThroughTheOutbox) {
  auto hook = post_json(*client_, "/api/v1/webhooks",
                        {{"url", partner_->url("/orders")},
                         {"events", json::array{"order_created", "order_cancelled"}}},
                        admin());
  ASSERT_EQ(hook.status, 201) << hook.describe();
  const std::string secret(body_of(hook).at("secret").as_string());
  auto product =
      post_json(*client_, "/api/v1/products",
                {{"name", "Outbox tart " + unique_id("t")}, {"category", "Outbox"}, {"price", 4}},
                auth_->bearer("manager"));
  ASSERT_EQ(product.status, 201) << product.describe();
  const std::string pid(body_of(product).at("id").as_string());
  auto customer = auth_->create("customer");

  const auto mails_before = sink_->messages().size();
  const auto partner_before = partner_->requests().size();
  auto placed =
      post_json(*client_, "/api/v1/orders",
                {{"items", json::array{json::object{{"product_id", pid}, {"quantity", 1}}}}},
                customer.bearer());
  ASSERT_EQ(placed.status, 201) << placed.describe();
  const auto order = body_of(placed).as_object();
  const std::string order_id(order.at("id").as_string());
  const std::string number(order.at("order_number").as_string());

  // The customer's email, from the row written with the order.
  EXPECT_TRUE(mail_to(*sink_, mails_before, customer.email, number))
      << "no email to the customer with the order number";

  // The partner's signed order_created, carrying the order as GET returns it.
  ASSERT_TRUE(partner_->wait_for(partner_before + 1));
  const auto delivery = partner_->requests()[partner_before];
  EXPECT_EQ(delivery.target, "/orders");
  EXPECT_EQ(delivery.header("x-crema-event"), "order_created");
  EXPECT_TRUE(verify_signature(delivery, secret));
  const auto event = json::parse(delivery.body).as_object();
  EXPECT_EQ(event.at("data").at("id").as_string(), order_id);
  EXPECT_EQ(event.at("data").at("order_number").as_string(), number);

  // Cancelling: the customer hears of it, the partner gets order_cancelled (it did not
  // subscribe to order_updated).
  auto cancelled = client_->request("DELETE", "/api/v1/orders/" + order_id, "", customer.bearer());
  ASSERT_EQ(cancelled.status, 200) << cancelled.describe();
  ASSERT_TRUE(sink_->wait_for(mails_before + 2));
  ASSERT_TRUE(partner_->wait_for(partner_before + 2));
  EXPECT_EQ(partner_->requests()[partner_before + 1].header("x-crema-event"), "order_cancelled");
  auto listed = client_->get("/api/v1/notifications?type=order_status_changed", admin());
  ASSERT_EQ(listed.status, 200) << listed.describe();
  bool found = false;
  const auto listed_body = body_of(listed);
  for (const auto& n : listed_body.at("items").as_array())
    found = found || n.at("recipient").as_string() == customer.email;
  EXPECT_TRUE(found) << listed.body;
}

TEST(NotificationsLifecycle, AMessageClaimedByAKilledProcessIsSentByTheNext) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  // The provider hangs on the first request: the process is killed between claim and send.
  FakeHttpEndpoint provider([](const RecordedRequest&, int n) {
    FakeHttpEndpoint::Answer a{201, R"({"sid":"SM1"})"};
    a.hang = n == 1;
    return a;
  });
  {
    ServerProcess first(sms_server(db->url(), provider, {{"CREMA_OUTBOX_LEASE_SECONDS", "2"}}));
    auto c = client_for(first);
    AuthHelper auth(first);
    ASSERT_EQ(send_sms(*c, auth, 1), 1);
    ASSERT_TRUE(provider.wait_for(1));
    first.kill9();
  }
  ServerProcess second(sms_server(db->url(), provider, {{"CREMA_OUTBOX_LEASE_SECONDS", "2"}}));
  ASSERT_TRUE(provider.wait_for(2, std::chrono::seconds(20)));
  auto c = client_for(second);
  AuthHelper auth(second);
  auto list = poll_json(*c, "/api/v1/notifications?channel=sms", auth.admin().bearer(),
                        [](const json::value& v) {
                          const auto& items = v.at("items").as_array();
                          return items.size() == 1 && items[0].at("status").as_string() == "sent";
                        });
  ASSERT_EQ(list.at("items").as_array().size(), 1u);
  EXPECT_EQ(list.at("items").as_array()[0].at("status").as_string(), "sent");
  EXPECT_EQ(list.at("items").as_array()[0].at("attempts").as_int64(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(provider.requests().size(), 2u);  // nothing more once it was sent
}

TEST(NotificationsLifecycle, SigtermHandsBackClaimedRowsAndAWorkerSendsThemOnce) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  FakeHttpEndpoint provider([](const RecordedRequest&, int) {
    FakeHttpEndpoint::Answer a{201, R"({"sid":"SM1"})"};
    a.delay = std::chrono::milliseconds(300);
    return a;
  });
  constexpr int kMessages = 8;
  Environment worker_env;
  {
    ServerProcess server(sms_server(db->url(), provider));
    worker_env = server.environment();
    auto c = client_for(server);
    AuthHelper auth(server);
    ASSERT_EQ(send_sms(*c, auth, kMessages), kMessages);
    ASSERT_TRUE(provider.wait_for(1));
    EXPECT_EQ(server.stop(SIGTERM), 0);
    auto handed = server.wait_for_log(
        [](const json::object& l) { return l.at("msg").as_string() == "outbox rows handed back"; },
        std::chrono::milliseconds(100));
    ASSERT_TRUE(handed) << server.stdout_text();
    EXPECT_GE(handed->at("rows").as_int64(), 1);
  }
  const auto sent_by_serve = provider.requests().size();
  ASSERT_LT(sent_by_serve, static_cast<std::size_t>(kMessages));
  {
    db::PoolOptions o;
    o.size = 1;
    auto pool = db::Pool::open(db->url(), o);
    auto lease = pool->read();
    EXPECT_EQ(
        lease->exec("SELECT COUNT(*) FROM outbox WHERE claimed_by IS NOT NULL").front().int64(0),
        0);
  }
  // `crema worker` alone delivers the rest, each once.
  ScratchDir logs;
  SpawnOptions spawn;
  spawn.argv = {crema_binary(), "worker"};
  spawn.env = worker_env;
  spawn.stdout_path = logs.file("out");
  spawn.stderr_path = logs.file("err");
  ChildProcess worker(spawn);
  const bool all = provider.wait_for(kMessages, std::chrono::seconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  worker.signal(SIGTERM);
  auto code = worker.wait(std::chrono::seconds(15));
  EXPECT_EQ(code, std::optional<int>(0)) << read_file(logs.file("err"));
  ASSERT_TRUE(all) << read_file(logs.file("out")) << read_file(logs.file("err"));
  std::multiset<std::string> to;
  for (const auto& r : provider.requests()) to.insert(form_value(r.body, "To"));
  EXPECT_EQ(provider.requests().size(), static_cast<std::size_t>(kMessages));
  for (const auto& n : to) EXPECT_EQ(to.count(n), 1u) << n;
}

TEST(NotificationsLifecycle, AHungProviderDoesNotHoldTheShutdownAndItsRowIsHandedBack) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  FakeHttpEndpoint provider([](const RecordedRequest&, int) {
    FakeHttpEndpoint::Answer a;
    a.hang = true;
    return a;
  });
  {
    ServerProcess server(sms_server(db->url(), provider));
    auto c = client_for(server);
    AuthHelper auth(server);
    ASSERT_EQ(send_sms(*c, auth, 1), 1);
    ASSERT_TRUE(provider.wait_for(1));
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(server.stop(SIGTERM), 0);
    // The send in hand gets 5 s to finish, then it is abandoned (the curl timeout is 20 s).
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(12));
    EXPECT_TRUE(server.wait_for_log(
        [](const json::object& l) { return l.at("msg").as_string() == "outbox rows handed back"; },
        std::chrono::milliseconds(100)))
        << server.stdout_text();
  }
  db::PoolOptions o;
  o.size = 1;
  auto pool = db::Pool::open(db->url(), o);
  auto lease = pool->read();
  auto r = lease->exec("SELECT status, attempts, claimed_by FROM outbox");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.front().text(0), "queued");
  EXPECT_EQ(r.front().int64(1), 0);  // the abandoned send is not a try
  EXPECT_TRUE(r.front().is_null(2));
}

// SPEC §10: without CREMA_ALLOW_PRIVATE_WEBHOOKS a webhook may not point inside the shop's
// network (loopback, private, link-local, cloud metadata, names resolving there).
TEST(WebhookSsrf, NonPublicUrlsAreRefusedAtRegistration) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  FakeHttpEndpoint inside;
  auto o = identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"}});
  o.database_url = db->url();
  ServerProcess server(o);
  auto c = client_for(server);
  AuthHelper auth(server);
  for (const std::string& url :
       {inside.url("/x"), std::string("http://localhost:") + std::to_string(inside.port()) + "/x",
        std::string("http://169.254.169.254/latest/meta-data/"), std::string("http://10.0.0.7/x"),
        std::string("http://[::1]/x"), std::string("http://[::ffff:192.168.0.1]/x"),
        std::string("http://100.64.1.1/x"), std::string("http://0.0.0.0:8080/x")}) {
    auto r = post_json(*c, "/api/v1/webhooks", {{"url", url}, {"events", json::array{"*"}}},
                       auth.admin().bearer());
    SCOPED_TRACE(url);
    EXPECT_ERROR(r, 422, "validation_failed");
    if (r.status != 422) continue;
    const auto details = body_of(r).at("error").at("details").as_array();
    ASSERT_EQ(details.size(), 1u) << r.body;
    EXPECT_EQ(details[0].at("field").as_string(), "url") << r.body;
  }
  auto list = c->get("/api/v1/webhooks", auth.admin().bearer());
  EXPECT_TRUE(body_of(list).at("items").as_array().empty());
  // A public address is accepted (nothing is called at registration).
  auto ok = post_json(*c, "/api/v1/webhooks",
                      {{"url", "https://93.184.216.34/hooks"}, {"events", json::array{"*"}}},
                      auth.admin().bearer());
  EXPECT_EQ(ok.status, 201) << ok.describe();
  EXPECT_TRUE(inside.requests().empty());
}

}  // namespace
}  // namespace crema::test::e2e
