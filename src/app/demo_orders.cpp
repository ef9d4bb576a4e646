#include "app/demo_orders.hpp"

#include <random>
#include <stdexcept>
#include <vector>

#include <boost/json.hpp>

#include "app/orders_module.hpp"
#include "app/payments_module.hpp"
#include "app/settings_module.hpp"
#include "repo/order_repo.hpp"
#include "repo/payment_repo.hpp"
#include "repo/product_repo.hpp"
#include "repo/user_repo.hpp"
#include "service/guest_tokens.hpp"
#include "service/order_service.hpp"
#include "service/order_timing.hpp"
#include "service/payment_service.hpp"
#include "service/settings_service.hpp"
#include "util/time.hpp"
#include "util/zoned_date.hpp"

namespace crema::app {

namespace {

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

service::Actor actor_for(db::Pool& pool, const char* email, auth::Role role) {
  auto user = repo::find_user_by_email(*pool.read(), email);
  if (!user) throw std::runtime_error(std::string("no demo account ") + email);
  auth::Principal p;
  p.user_id = user->id;
  p.role = role;
  return service::Actor{p, "127.0.0.1", "seed-demo"};
}

// The demo's online payments: a stand-in for Stripe that accepts every charge and whose
// "webhook" is delivered in-process, so the demo's online orders are paid through the same
// checkout and event path as real ones (no network, no keys).
class DemoStripe final : public payments::Gateway {
 public:
  std::string_view name() const noexcept override { return "stripe"; }
  bool online() const noexcept override { return true; }
  bool configured() const noexcept override { return true; }
  payments::ChargeResult charge(const payments::ChargeRequest& r) override {
    payments::ChargeResult out;
    out.outcome = payments::Outcome::pending;
    out.transaction_id = "pi_demo_" + r.payment_id.substr(r.payment_id.size() - 12);
    out.raw_response =
        R"({"object": "payment_intent", "status": "requires_confirmation", "demo": true})";
    return out;
  }
  payments::RefundResult refund(const std::string& txn, const std::string&, std::int64_t,
                                const std::string&, const std::string&) override {
    payments::RefundResult out;
    out.outcome = payments::Outcome::succeeded;
    out.reference = "re_demo_" + txn.substr(8);
    out.raw_response = R"({"object": "refund", "status": "succeeded", "demo": true})";
    return out;
  }
  bool recognises(const payments::WebhookRequest& r) const override {
    return r.header("X-Demo-Event").has_value();
  }
  crema::Result<payments::WebhookEvent> verify(const payments::WebhookRequest& r) override {
    payments::WebhookEvent e;
    e.gateway = "stripe";
    e.event_id = "evt_demo_" + std::string(r.body);
    e.type = "payment_intent.succeeded";
    e.kind = payments::WebhookEvent::Kind::succeeded;
    e.transaction_id = std::string(r.body);
    e.raw = R"({"type": "payment_intent.succeeded", "demo": true})";
    return e;
  }
};

// Pays a demo order: staff at the counter, or the customer online (checkout, then the event).
bool pay_demo(service::PaymentService& payments, const service::Actor& who,
              const std::string& order_id, const std::string& method) {
  auto paid = payments.checkout(who, {order_id, method, {}}, {});
  if (!paid) return false;
  if (method != "stripe") return true;
  auto body = boost::json::parse(paid->body).as_object();
  const std::string txn(body.at("transaction_id").as_string());
  payments::WebhookRequest event;
  event.body = txn;
  event.header = [](std::string_view name) -> std::optional<std::string> {
    if (name == "X-Demo-Event") return "1";
    return std::nullopt;
  };
  return payments.webhook(event).ok();
}

// Moves an order placed now back `day` business days, to `minute` minutes after midnight on
// the shop's clock, under a number of that day.
void backdate_demo_order(db::Pool& pool, const service::OrderService& orders, const Config& config,
                         const std::string& id, int day, int minute) {
  const auto compact = orders.business_date(util::now_ms() - day * kDayMs);
  const auto start = util::day_start_ms(
      compact.substr(0, 4) + "-" + compact.substr(4, 2) + "-" + compact.substr(6, 2),
      config.timezone);
  if (!start) return;
  const std::int64_t at = *start + static_cast<std::int64_t>(minute) * 60'000;
  pool.transact([&](db::Transaction& tx) {
    auto order = repo::lock_order(tx, id);
    if (!order) return;
    const std::int64_t shift = order->created_at - at;
    const auto date = orders.business_date(at);
    const auto number = domain::order_number(date, repo::next_order_sequence(tx, date));
    repo::backdate_order(tx, id, shift, date, number);
    repo::backdate_payments(tx, id, shift);
  });
}

// SPEC §15.1: a guest's order — placed without an account (contact in customer_info), paid
// online with the order token its answer carried, collected. False when it could not be.
bool seed_demo_guest_order(db::Pool& pool, service::OrderService& orders,
                           service::PaymentService& payments, const service::Actor& barista,
                           const std::string& product_id, std::string& id) {
  service::OrderRequest r;
  r.type = domain::OrderType::online;
  service::OrderLine line;
  line.product_id = product_id;
  line.quantity = 2;
  r.items = {line};
  r.items_given = true;
  r.payment_method = "stripe";
  r.customer_info = boost::json::object{
      {"name", "Grace Guest"}, {"email", "grace@guest.demo"}, {"phone", nullptr}};
  auto made = orders.place(service::Actor{}, r, {});
  if (!made) return false;
  id = made->id;
  const auto body = boost::json::parse(made->body).as_object();
  const auto* token = body.if_contains("guest_token");
  if (!token || !token->is_string()) return false;
  service::GuestTokens tokens(pool);
  auto holder = tokens.authenticate(token->get_string(), util::now_ms());
  if (!holder) return false;
  if (!pay_demo(payments, service::Actor{*holder, {}, {}}, id, "stripe")) return false;
  for (auto s :
       {domain::OrderStatus::preparing, domain::OrderStatus::ready, domain::OrderStatus::completed})
    if (!orders.change_status(barista, id, s, "", {})) return false;
  return true;
}

}  // namespace

int seed_demo_orders(db::Pool& pool, events::Bus& bus, const Config& config, int days) {
  service::OrderService orders(pool, bus, order_settings(config));
  const auto barista = actor_for(pool, "barista@crema.demo", auth::Role::staff);
  const auto baker = actor_for(pool, "baker@crema.demo", auth::Role::staff);
  const auto customer = actor_for(pool, "customer@crema.demo", auth::Role::customer);
  const auto manager = actor_for(pool, "manager@crema.demo", auth::Role::manager);
  // Payments go through the payment service, so GET /payments and the reports agree.
  payments::GatewayRegistry gateways(gateway_settings(config));
  gateways.set(std::make_unique<DemoStripe>());
  service::PaymentService payments(pool, orders, gateways);
  orders.set_paid_cancel_hook(
      [&payments](db::Transaction& tx, const service::Actor& a, domain::Order& o) {
        return payments.refund_on_cancel(tx, a, o);
      });
  // Drinks made to order: the pastries' counted stock stays as seeded (24 croissants…),
  // while the orders draw on milk, beans and syrups.
  std::vector<domain::Product> products;
  for (auto& p :
       pool.read_transact([](db::Transaction& tx) { return repo::menu_products(tx.connection()); }))
    if (!p.track_stock) products.push_back(std::move(p));
  if (products.empty()) return 0;

  std::mt19937 rng(20261122);  // the same history on every run
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  auto chance = [&](int percent) { return static_cast<int>(pick(100)) < percent; };
  int placed = 0;
  for (int day = days; day >= 0; --day) {
    const int count = 6 + static_cast<int>(pick(4));
    for (int k = 0; k < count; ++k) {
      service::OrderRequest r;
      const bool online = chance(30);
      const auto& who = online ? customer : (chance(50) ? barista : baker);
      r.type = online ? domain::OrderType::online
                      : (chance(40) ? domain::OrderType::dine_in : domain::OrderType::takeaway);
      if (r.type == domain::OrderType::dine_in) r.table_number = std::to_string(1 + pick(12));
      const std::size_t lines = 1 + pick(3);
      for (std::size_t i = 0; i < lines; ++i) {
        const auto& p = products[pick(products.size())];
        service::OrderLine line;
        line.product_id = p.id;
        line.quantity = 1 + static_cast<std::int64_t>(pick(2));
        if (!p.modifiers.empty() && chance(40))
          line.modifiers.push_back(p.modifiers[pick(p.modifiers.size())].code);
        r.items.push_back(std::move(line));
      }
      r.items_given = true;
      r.payment_method = online ? "stripe" : (chance(50) ? "card" : "cash");
      auto made = orders.place(who, r, {});
      if (!made) continue;  // the demo stock ran short for this one: skip it
      ++placed;
      const std::string& id = made->id;
      // Past days: most orders went all the way, a few were cancelled. Today: a live queue.
      using S = domain::OrderStatus;
      std::vector<S> path;
      if (day > 0) {
        if (chance(12)) {
          path = {S::cancelled};
        } else if (chance(5)) {
          path = {S::confirmed, S::cancelled};  // paid, then cancelled: refunded in full
        } else {
          path = {S::confirmed, S::preparing, S::ready, S::completed};
        }
      } else {
        static const std::vector<S> kFull = {S::confirmed, S::preparing, S::ready, S::completed};
        path.assign(kFull.begin(), kFull.begin() + static_cast<std::ptrdiff_t>(pick(5)));
      }
      bool paid = false;
      for (S s : path) {
        if (s == S::confirmed) {
          // Paid, which confirms it: online by the customer, otherwise at the counter.
          paid = pay_demo(payments, online ? customer : barista, id, r.payment_method);
          if (paid) continue;
        }
        // A paid order is cancelled by a manager, which refunds it.
        if (!orders.change_status(
                paid && s == S::cancelled ? manager : barista, id, s,
                s == S::cancelled ? (paid ? "the oven broke" : "changed their mind") : "", {}))
          break;
      }
      if (paid && day > 0 && chance(8)) {
        // A complaint: part of a completed order given back.
        auto rows = payments.list({.order_id = id, .before = {}, .limit = 1});
        if (!rows.items.empty()) {
          const std::string pid(rows.items[0].at("id").as_string());
          auto refunded = payments.refund(manager, pid, {100, "a drink was remade"}, {});
          (void)refunded.ok();  // a refund the demo could not make is simply left out
        }
      }
      if (day > 0) {
        // Moved back to its day, at some hour of its opening (8:00 to 18:00 in the shop's
        // zone), under a number of that day.
        backdate_demo_order(pool, orders, config, id, day, 8 * 60 + static_cast<int>(pick(600)));
      }
    }
  }
  // Yesterday at 11:15, a guest's order (no account: SPEC §15.1).
  if (std::string guest_order;
      days > 0 &&
      seed_demo_guest_order(pool, orders, payments, barista, products.front().id, guest_order)) {
    backdate_demo_order(pool, orders, config, guest_order, 1, 11 * 60 + 15);
    ++placed;
  }
  // The refunds of the paid orders it cancelled, sent to the (stand-in) gateway.
  (void)payments.retry_pending_refunds(util::now_ms() + 1);
  if (seed_demo_schedule(pool, bus, config)) ++placed;
  return placed;
}

bool seed_demo_schedule(db::Pool& pool, events::Bus& bus, const Config& config) {
  const auto admin = actor_for(pool, "admin@crema.demo", auth::Role::admin);
  const auto customer = actor_for(pool, "customer@crema.demo", auth::Role::customer);
  service::SettingsService settings(pool, bus, settings_options(config));
  // The café's week (SPEC §15.3): long weekdays, a shorter Saturday and Sunday.
  domain::ShopSettingsPatch shop;
  shop.name = "Crema Demo Café";
  shop.address = "12 Market Street";
  shop.phone = "+1 555 0100";
  std::vector<domain::OpeningRange> week;
  for (int d = 0; d < 5; ++d) week.push_back({static_cast<domain::Weekday>(d), 7 * 60, 19 * 60});
  week.push_back({domain::Weekday::sat, 8 * 60, 18 * 60});
  week.push_back({domain::Weekday::sun, 9 * 60, 15 * 60});
  shop.hours = std::move(week);
  shop.max_orders_per_slot = std::optional<int>(6);
  if (!settings.update(admin, shop, std::nullopt)) return false;

  // A cake for tomorrow at 10:30, ordered online: it reaches the kitchen at 10:30 minus its
  // prep time (order_due), and holds its slot.
  service::OrderTiming timing(pool, settings);
  service::OrderService orders(pool, bus, order_settings(config));
  orders.set_placement_rule([&timing](db::Transaction& tx, const service::Actor& a,
                                      domain::Order& o,
                                      std::int64_t now) { return timing.admit(tx, a, o, now); });
  const auto compact = orders.business_date(util::now_ms() + kDayMs);
  const auto tomorrow = util::day_start_ms(
      compact.substr(0, 4) + "-" + compact.substr(4, 2) + "-" + compact.substr(6, 2),
      config.timezone);
  if (!tomorrow) return false;
  std::string product_id;
  for (const auto& p :
       pool.read_transact([](db::Transaction& tx) { return repo::menu_products(tx.connection()); }))
    if (p.name == "Country Sourdough") product_id = p.id;
  if (product_id.empty()) return false;
  service::OrderRequest r;
  r.type = domain::OrderType::online;
  service::OrderLine line;
  line.product_id = product_id;
  line.quantity = 2;
  r.items = {line};
  r.items_given = true;
  r.payment_method = "stripe";
  r.notes = "For a birthday brunch, please slice one.";
  r.scheduled_for = *tomorrow + (10 * 60 + 30) * 60'000LL;
  return orders.place(customer, r, {}).ok();
}

}  // namespace crema::app
