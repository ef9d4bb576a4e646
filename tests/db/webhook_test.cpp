// Partner webhooks on both stores: registration (secret sealed, shown once), events fanned
// out to subscribed endpoints through the outbox, signed deliveries received and verified on
// a local endpoint, retries, the deliveries log, and deletion.
#include <atomic>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "auth/secret_box.hpp"
#include "db/catalogue_fixture.hpp"
#include "jobs/outbox_worker.hpp"
#include "notify/channels.hpp"
#include "service/outbox.hpp"
#include "service/stock.hpp"
#include "service/webhook_service.hpp"
#include "support/fake_endpoint.hpp"
#include "util/net_address.hpp"

namespace crema::test {
namespace {

namespace json = boost::json;

class WebhookTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    box_.emplace(*auth::SecretBox::from_hex(auth::hex_encode(auth::random_bytes(32))));
    // The partners here are fake endpoints on loopback: CREMA_ALLOW_PRIVATE_WEBHOOKS=1.
    svc_.emplace(*pool_, *box_, /*allow_private=*/true);
  }

  static notify::ChannelSettings loopback_ok() {
    notify::ChannelSettings s;
    s.allow_private_webhooks = true;
    return s;
  }

  // Delivers what is due until nothing is left queued (or the tries run out).
  void drain(notify::Deliverer& d, int cycles = 50) {
    jobs::OutboxWorkerOptions o;
    o.threads = 0;
    o.policy.backoff_base_ms = 10;
    o.policy.backoff_cap_ms = 20;
    jobs::OutboxWorker w(*pool_, d, o);
    for (int i = 0; i < cycles; ++i) {
      w.run_once("test");
      auto lease = pool_->read();
      if (lease->exec("SELECT COUNT(*) FROM outbox WHERE status = 'queued'").front().int64(0) == 0)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }

  service::Actor admin_ = actor_of_role(auth::Role::admin);
  std::optional<auth::SecretBox> box_;
  std::optional<service::WebhookService> svc_;
};

// What a partner does with a delivery: check the signature with its secret.
bool verify(const RecordedRequest& r, const std::string& secret) {
  auto sig = r.header("x-crema-signature");
  auto comma = sig.find(",v1=");
  if (sig.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
  const auto t = sig.substr(2, comma - 2);
  const auto v1 = sig.substr(comma + 4);
  const auto expected = auth::hex_encode(auth::hmac_sha256(secret, t + "." + r.body));
  const auto age = util::now_ms() / 1000 - std::stoll(t);
  return auth::constant_time_equal(v1, expected) && age >= 0 && age < 300;
}

TEST_F(WebhookTest, SubscribedEndpointsReceiveSignedEventsAndOthersDoNot) {
  FakeHttpEndpoint partner;
  auto hook = svc_->create(admin_, partner.url("/hooks/crema"), {"inventory_low"}, "stock");
  ASSERT_TRUE(hook) << hook.error().message;
  ASSERT_EQ(hook->secret.rfind("whsec_", 0), 0u);
  auto other = svc_->create(admin_, partner.url("/other"), {"order_created"}, "");
  ASSERT_TRUE(other);
  // The secret is stored sealed, never in clear.
  {
    auto lease = pool_->read();
    auto stored = lease
                      ->exec("SELECT secret_sealed FROM webhooks WHERE id = $1",
                             {std::string_view(hook->webhook.id)})
                      .front()
                      .text(0);
    EXPECT_EQ(stored.find(hook->secret), std::string::npos);
  }
  // A low-stock crossing enqueues inventory_low in its own transaction.
  const auto flour = make_item("Flour", units(10), units(5), "kg");
  pool_->transact([&](db::Transaction& tx) {
    ASSERT_TRUE(service::reserve_stock(tx, {{flour, units(6)}}, {}).ok());
  });
  notify::Channels channels(loopback_ok(), pool_.get(), &*box_);
  drain(channels);
  ASSERT_EQ(partner.requests().size(), 1u);
  const auto r = partner.requests()[0];
  EXPECT_EQ(r.target, "/hooks/crema");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("x-crema-event"), "inventory_low");
  EXPECT_TRUE(verify(r, hook->secret)) << r.header("x-crema-signature");
  EXPECT_FALSE(verify(r, other->secret));
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "inventory_low");
  EXPECT_EQ(body.at("data").at("name").as_string(), "Flour");
  EXPECT_TRUE(body.contains("id"));
  EXPECT_TRUE(body.contains("at"));
  auto log = svc_->deliveries(hook->webhook.id, std::nullopt, 50);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->items.size(), 1u);
  EXPECT_EQ(domain::name(log->items[0].message.status), "sent");
  EXPECT_EQ(log->items[0].message.last_status, 200);
  ASSERT_EQ(log->items[0].attempts.size(), 1u);
  EXPECT_TRUE(log->items[0].attempts[0].ok);
  EXPECT_EQ(log->items[0].message.id, r.header("x-crema-delivery"));
}

TEST_F(WebhookTest, RegistrationIsAuditedWithoutTheUrlsQuery) {
  auto hook = svc_->create(admin_, "https://partner.example/hook?token=s3cr3t", {"*"}, "");
  ASSERT_TRUE(hook);
  auto lease = pool_->read();
  auto r = lease->exec("SELECT summary FROM audit_log WHERE action = 'webhook.create'");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.front().text(0), "registered webhook https://partner.example/hook");
}

TEST_F(WebhookTest, FailedDeliveriesAreRetriedAndLogged) {
  FakeHttpEndpoint partner([](const RecordedRequest&, int n) {
    return FakeHttpEndpoint::Answer{n <= 2 ? 500 : 204, ""};
  });
  auto hook = svc_->create(admin_, partner.url("/h"), {"*"}, "");
  ASSERT_TRUE(hook);
  pool_->transact([&](db::Transaction& tx) {
    EXPECT_EQ(service::enqueue_webhook_event(tx, "order_created", json::object{{"id", "o1"}}), 1);
  });
  notify::Channels channels(loopback_ok(), pool_.get(), &*box_);
  drain(channels);
  ASSERT_EQ(partner.requests().size(), 3u);
  // Every retry carries the same event (and delivery) id, freshly signed.
  EXPECT_EQ(partner.requests()[0].body, partner.requests()[2].body);
  EXPECT_EQ(partner.requests()[0].header("x-crema-delivery"),
            partner.requests()[2].header("x-crema-delivery"));
  EXPECT_TRUE(verify(partner.requests()[2], hook->secret));
  auto log = svc_->deliveries(hook->webhook.id, std::nullopt, 50);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->items.size(), 1u);
  const auto& d = log->items[0];
  EXPECT_EQ(domain::name(d.message.status), "sent");
  EXPECT_EQ(d.message.attempts, 3);
  ASSERT_EQ(d.attempts.size(), 3u);
  EXPECT_FALSE(d.attempts[0].ok);
  EXPECT_EQ(d.attempts[0].status_code, 500);
  EXPECT_TRUE(d.attempts[2].ok);
  auto j = d.to_json();
  EXPECT_EQ(j.at("attempt_log").as_array().size(), 3u);
}

TEST_F(WebhookTest, DeletedEndpointsGetNothingMore) {
  FakeHttpEndpoint partner;
  auto hook = svc_->create(admin_, partner.url("/h"), {"menu_updated"}, "");
  ASSERT_TRUE(hook);
  pool_->transact([&](db::Transaction& tx) {
    service::enqueue_webhook_event(tx, "menu_updated",
                                   json::object{{"product_ids", json::array{}}});
  });
  ASSERT_TRUE(svc_->remove(admin_, hook->webhook.id));
  EXPECT_EQ(svc_->remove(admin_, hook->webhook.id).error().code, ErrorCode::not_found);
  notify::Channels channels(loopback_ok(), pool_.get(), &*box_);
  drain(channels);
  EXPECT_TRUE(partner.requests().empty());
  auto log = svc_->deliveries(hook->webhook.id, std::nullopt, 50);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->items.size(), 1u);
  EXPECT_EQ(domain::name(log->items[0].message.status), "failed");
  EXPECT_EQ(log->items[0].message.last_error, "the webhook was deleted");
  // No new deliveries for it.
  pool_->transact([&](db::Transaction& tx) {
    EXPECT_EQ(service::enqueue_webhook_event(tx, "menu_updated", json::object{}), 0);
  });
  EXPECT_TRUE(svc_->list(std::nullopt, 50).items.empty());
  EXPECT_EQ(svc_->deliveries("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", std::nullopt, 50).error().code,
            ErrorCode::not_found);
}

// SPEC §10: a webhook URL whose host is, or resolves to, a non-public address is refused
// at registration (the resolver here is the test's: names map to what it says).
TEST_F(WebhookTest, RegistrationRefusesPrivateLoopbackAndOtherNonPublicAddresses) {
  auto resolver = [](const std::string& host) -> std::vector<util::IpAddress> {
    auto ip = [](const char* t) { return *util::IpAddress::parse(t); };
    if (host == "internal.test") return {ip("10.1.2.3")};
    if (host == "metadata.test") return {ip("169.254.169.254")};
    if (host == "mixed.test") return {ip("93.184.216.34"), ip("127.0.0.1")};
    if (host == "v6local.test") return {ip("fd00::1")};
    if (host == "public.test") return {ip("93.184.216.34"), ip("2606:2800:220:1::1")};
    return {};
  };
  service::WebhookService strict(*pool_, *box_, /*allow_private=*/false, resolver);
  for (const char* url : {"http://127.0.0.1/hook",
                          "http://127.1.2.3:8080/hook",
                          "http://[::1]/hook",
                          "http://[::ffff:10.0.0.1]/hook",
                          "http://[::ffff:127.0.0.1]:9/x",
                          "http://169.254.169.254/latest/meta-data",
                          "http://10.0.0.5/x",
                          "http://172.16.4.4/x",
                          "http://192.168.1.1/x",
                          "http://100.64.0.1/x",
                          "http://0.0.0.0/x",
                          "http://[::]/x",
                          "http://[fe80::1]/x",
                          "http://[fc00::1]/x",
                          "http://224.0.0.1/x",
                          "http://[ff02::1]/x",
                          "http://255.255.255.255/x",
                          "http://internal.test/hook",
                          "http://metadata.test/x",
                          "http://mixed.test/hook",
                          "https://v6local.test/hook"}) {
    auto out = strict.create(admin_, url, {"*"}, "");
    ASSERT_FALSE(out) << url;
    EXPECT_EQ(out.error().code, ErrorCode::validation_failed) << url;
    ASSERT_EQ(out.error().details.size(), 1u) << url;
    EXPECT_EQ(out.error().details[0].field, "url");
  }
  EXPECT_TRUE(strict.list(std::nullopt, 50).items.empty());
  // Public addresses, by name or literally, are accepted; so is a name that does not resolve
  // yet (every delivery checks it again).
  for (const char* url : {"https://public.test/hook", "https://93.184.216.34/hook",
                          "https://[2606:2800:220:1::1]/hook", "https://nowhere.test/hook"})
    EXPECT_TRUE(strict.create(admin_, url, {"*"}, "")) << url;
}

// DNS can change after registration (rebinding): each delivery checks the host again and
// never calls an address that is not public; the attempt log says why and shows no answer.
TEST_F(WebhookTest, DeliveriesCheckTheAddressAgainAndNeverCallAPrivateOne) {
  FakeHttpEndpoint partner;  // on 127.0.0.1: where the rebound name now points
  std::atomic<bool> rebound{false};
  auto resolver = [&](const std::string& host) -> std::vector<util::IpAddress> {
    if (host != "partner.test") return {};
    return {*util::IpAddress::parse(rebound ? "127.0.0.1" : "93.184.216.34")};
  };
  service::WebhookService strict(*pool_, *box_, /*allow_private=*/false, resolver);
  auto hook = strict.create(admin_, "http://partner.test:" + std::to_string(partner.port()) + "/h",
                            {"*"}, "");
  ASSERT_TRUE(hook) << hook.error().message;
  rebound = true;
  pool_->transact([&](db::Transaction& tx) {
    EXPECT_EQ(service::enqueue_webhook_event(tx, "order_created", json::object{{"id", "o1"}}), 1);
  });
  notify::ChannelSettings settings;
  settings.resolver = resolver;
  notify::Channels channels(settings, pool_.get(), &*box_);
  drain(channels, 3);
  EXPECT_TRUE(partner.requests().empty()) << "a private address was called";
  auto log = strict.deliveries(hook->webhook.id, std::nullopt, 50);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->items.size(), 1u);
  ASSERT_FALSE(log->items[0].attempts.empty());
  const auto& a = log->items[0].attempts[0];
  EXPECT_FALSE(a.ok);
  EXPECT_NE(a.error.find("loopback"), std::string::npos) << a.error;
  EXPECT_EQ(a.error.find("127.0.0.1"), std::string::npos) << a.error;
  EXPECT_FALSE(a.status_code);
}

}  // namespace
}  // namespace crema::test
