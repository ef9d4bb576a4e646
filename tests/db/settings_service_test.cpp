// The shop's settings (SPEC §15.3) on both stores: partial, versioned, validated, audited
// changes; the in-memory copy every reader shares, and how another instance's change
// reaches it.
#include <boost/json.hpp>

#include "db/db_fixture.hpp"
#include "db/migrations.hpp"
#include "events/bus.hpp"
#include "service/audit.hpp"
#include "service/order_timing.hpp"
#include "service/settings_json.hpp"
#include "service/settings_service.hpp"
#include "util/time.hpp"

namespace crema::test {
namespace {

using domain::OpeningRange;
using domain::Weekday;

service::Actor settings_actor(auth::Role role, std::string id = "u-admin") {
  auth::Principal p;
  p.user_id = std::move(id);
  p.role = role;
  return service::Actor{p, "203.0.113.9", "req-s"};
}

std::int64_t settings_at(std::string_view t) { return util::parse_rfc3339(t).value(); }

class SettingsServiceTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (!pool_) return;
    db::migrate(*pool_);
    bus_.subscribe([this](const events::Event& e) {
      if (e.type == "settings_updated") announced_.push_back(e);
    });
    service_ = std::make_unique<service::SettingsService>(*pool_, bus_, options(), clock_);
  }
  static service::SettingsOptions options() {
    service::SettingsOptions o;
    o.timezone = "Europe/Berlin";
    return o;
  }

  util::ManualClock clock_{settings_at("2026-06-01T10:00:00Z")};  // a Monday, 12:00 in Berlin
  events::Bus bus_;
  std::vector<events::Event> announced_;
  std::unique_ptr<service::SettingsService> service_;
};

TEST_F(SettingsServiceTest, DefaultsUntilTheFirstChange) {
  auto s = service_->current();
  EXPECT_EQ(s->settings.version, 1);
  EXPECT_TRUE(s->settings.hours.empty());
  EXPECT_FALSE(s->settings.max_orders_per_slot);
  EXPECT_TRUE(s->taking_online_orders(clock_.now_ms())) << "no hours: open around the clock";
  EXPECT_EQ(count("shop_settings"), 0) << "reading writes nothing";
}

TEST_F(SettingsServiceTest, PartialChangesAreVersionedAuditedAndAnnounced) {
  domain::ShopSettingsPatch p;
  p.name = "Crema Corner";
  p.hours =
      std::vector<OpeningRange>{{Weekday::mon, 7 * 60, 18 * 60}, {Weekday::fri, 20 * 60, 2 * 60}};
  p.delivery_fee = std::optional<std::int64_t>(350);
  p.max_orders_per_slot = std::optional<int>(4);
  auto first = service_->update(settings_actor(auth::Role::admin), p, 1);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ((*first)->settings.version, 2);
  EXPECT_EQ((*first)->settings.name, "Crema Corner");

  // Only what is given changes; null clears a nullable field.
  domain::ShopSettingsPatch second;
  second.address = "1 Market Square";
  second.delivery_fee = std::optional<std::int64_t>();
  auto s = service_->update(settings_actor(auth::Role::admin), second, std::nullopt);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->settings.version, 3);
  EXPECT_EQ((*s)->settings.name, "Crema Corner");
  EXPECT_EQ((*s)->settings.hours.size(), 2u);
  EXPECT_EQ((*s)->settings.max_orders_per_slot, 4);
  EXPECT_FALSE((*s)->settings.delivery_fee);
  EXPECT_EQ((*s)->settings.address, "1 Market Square");

  // Stored: a fresh service (another instance) reads the same.
  service::SettingsService other(*pool_, bus_, options(), clock_);
  EXPECT_EQ(other.current()->settings, (*s)->settings);

  // Audited, with what changed; announced after each commit with the settings as GET shows.
  auto audit = service::list_audit(*pool_, {});
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].action, "settings.update");
  EXPECT_EQ(audit[0].summary, "Settings changed: address, delivery_fee");
  EXPECT_EQ(audit[1].summary, "Settings changed: name, hours, max_orders_per_slot, delivery_fee");
  ASSERT_EQ(announced_.size(), 2u);
  EXPECT_EQ(announced_[1].topics, std::vector<std::string>{"settings"});
  EXPECT_EQ(announced_[1].data.at("version"), 3);
  EXPECT_EQ(announced_[1].data.at("address"), "1 Market Square");

  // The same values again: nothing written, nothing announced.
  auto same = service_->update(settings_actor(auth::Role::admin), second, 3);
  ASSERT_TRUE(same);
  EXPECT_EQ((*same)->settings.version, 3);
  EXPECT_EQ(service::list_audit(*pool_, {}).size(), 2u);
  EXPECT_EQ(announced_.size(), 2u);
}

TEST_F(SettingsServiceTest, StaleVersionsAndInvalidSettingsChangeNothing) {
  domain::ShopSettingsPatch p;
  p.phone = "+44 20 7946 0000";
  ASSERT_TRUE(service_->update(settings_actor(auth::Role::admin), p, 1));
  auto stale = service_->update(settings_actor(auth::Role::admin), p, 1);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::version_conflict);

  domain::ShopSettingsPatch bad;
  bad.hours =
      std::vector<OpeningRange>{{Weekday::tue, 8 * 60, 12 * 60}, {Weekday::tue, 11 * 60, 14 * 60}};
  bad.closures = std::vector<domain::Closure>{{"2026-12-25", "Christmas"}, {"2026-12-25", "again"}};
  domain::OnlineOrderingPatch pause;
  pause.paused = true;
  pause.until_ms = std::optional<std::int64_t>(clock_.now_ms() - 1);
  bad.online_ordering = pause;
  auto refused = service_->update(settings_actor(auth::Role::admin), bad, std::nullopt);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::validation_failed);
  std::vector<std::string> fields;
  for (const auto& d : refused.error().details) fields.push_back(d.field);
  EXPECT_EQ(fields,
            (std::vector<std::string>{"hours[1]", "closures[1].date", "online_ordering.until"}));
  EXPECT_EQ(service_->current()->settings.version, 2);
  EXPECT_TRUE(service_->current()->settings.hours.empty());
}

TEST_F(SettingsServiceTest, PauseAndResume) {
  domain::ShopSettingsPatch hours;
  hours.hours = std::vector<OpeningRange>{{Weekday::mon, 8 * 60, 20 * 60}};
  ASSERT_TRUE(service_->update(settings_actor(auth::Role::admin), hours, std::nullopt));
  const auto now = clock_.now_ms();
  EXPECT_TRUE(service_->current()->taking_online_orders(now));

  domain::OnlineOrderingPatch pause;
  pause.paused = true;
  pause.reason = "oven repair";
  pause.until_ms = std::optional<std::int64_t>(settings_at("2026-06-01T12:30:00Z"));
  auto paused = service_->set_online_ordering(settings_actor(auth::Role::manager, "u-mgr"), pause,
                                              std::nullopt);
  ASSERT_TRUE(paused) << paused.error().message;
  const auto& s = **paused;
  EXPECT_FALSE(s.taking_online_orders(now));
  EXPECT_EQ(util::format_rfc3339(*s.next_open_at(now)), "2026-06-01T12:30:00Z");
  auto json = service::settings_json(s, service_->options(), now);
  EXPECT_EQ(json.at("open_now"), false);
  EXPECT_EQ(json.at("next_open_at"), "2026-06-01T12:30:00Z");
  EXPECT_EQ(json.at("online_ordering").at("reason"), "oven repair");

  // The pause ends by itself.
  clock_.set(settings_at("2026-06-01T12:30:00Z"));
  EXPECT_TRUE(service_->current()->taking_online_orders(clock_.now_ms()));

  // Resuming forgets the reason and the end.
  domain::OnlineOrderingPatch resume;
  resume.paused = false;
  auto resumed = service_->set_online_ordering(settings_actor(auth::Role::manager, "u-mgr"), resume,
                                               std::nullopt);
  ASSERT_TRUE(resumed);
  EXPECT_EQ((*resumed)->settings.online_ordering, domain::OnlineOrdering{});
  auto audit = service::list_audit(*pool_, {});
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[0].action, "settings.online_ordering");
  EXPECT_EQ(audit[0].summary, "Online ordering resumed");
  EXPECT_EQ(audit[1].summary, "Online ordering paused (oven repair)");
  EXPECT_EQ(audit[1].actor_role, "manager");
}

// The placement rule of SPEC §15.3: online orders from customers and API keys only while the
// shop takes them (409 shop_closed with next_open_at); staff never refused.
TEST_F(SettingsServiceTest, OnlineOrdersFollowTheHoursAndThePauseStaffOrdersNever) {
  service::OrderTiming timing(*pool_, *service_);
  auto admit = [&](const service::Actor& actor, domain::OrderType type) {
    domain::Order o;
    o.type = type;
    return pool_->transact(
        [&](db::Transaction& tx) { return timing.admit(tx, actor, o, clock_.now_ms()); });
  };
  const auto customer = settings_actor(auth::Role::customer, "u-c");
  const auto staff = settings_actor(auth::Role::staff, "u-s");
  EXPECT_TRUE(admit(customer, domain::OrderType::online)) << "no hours: always open";

  domain::ShopSettingsPatch hours;  // Monday 07:00-11:00 in Berlin; now is Monday 12:00
  hours.hours = std::vector<OpeningRange>{{Weekday::mon, 7 * 60, 11 * 60}};
  ASSERT_TRUE(service_->update(settings_actor(auth::Role::admin), hours, std::nullopt));
  auto closed = admit(customer, domain::OrderType::online);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, ErrorCode::shop_closed);
  ASSERT_EQ(closed.error().extra.size(), 1u);
  EXPECT_EQ(closed.error().extra[0].first, "next_open_at");
  EXPECT_EQ(closed.error().extra[0].second, "2026-06-08T05:00:00Z") << "next Monday 07:00 CEST";
  EXPECT_TRUE(admit(staff, domain::OrderType::online)) << "staff are never refused";
  EXPECT_TRUE(admit(staff, domain::OrderType::dine_in));
  EXPECT_TRUE(admit(settings_actor(auth::Role::manager, "u-m"), domain::OrderType::takeaway));

  clock_.set(settings_at("2026-06-08T05:00:00Z"));  // opening time: open
  EXPECT_TRUE(admit(customer, domain::OrderType::online));

  // Paused without an end: closed, and when it opens again is not known.
  domain::OnlineOrderingPatch pause;
  pause.paused = true;
  pause.reason = "storm";
  ASSERT_TRUE(service_->set_online_ordering(settings_actor(auth::Role::manager, "u-m"), pause,
                                            std::nullopt));
  auto paused = admit(customer, domain::OrderType::online);
  ASSERT_FALSE(paused);
  EXPECT_EQ(paused.error().code, ErrorCode::shop_closed);
  EXPECT_NE(paused.error().message.find("storm"), std::string::npos) << paused.error().message;
  EXPECT_FALSE(paused.error().extra.at(0).second) << "null: paused until a manager resumes";
  EXPECT_TRUE(admit(staff, domain::OrderType::online));
}

TEST_F(SettingsServiceTest, ReadersShareOneCopyUntilAnotherInstanceAnnouncesAChange) {
  // Another instance: its own bus (Redis would carry the event between them).
  events::Bus other_bus;
  service::SettingsService other(*pool_, other_bus, options(), clock_);
  other.set_cross_instance_invalidation(true);  // Redis linked: only announcements end a copy
  auto before = other.current();
  EXPECT_EQ(other.current().get(), before.get()) << "no database read per request";
  EXPECT_EQ(other.fresh().get(), before.get());

  domain::ShopSettingsPatch p;
  p.name = "Renamed";
  ASSERT_TRUE(service_->update(settings_actor(auth::Role::admin), p, std::nullopt));
  EXPECT_EQ(service_->current()->settings.name, "Renamed") << "seen here at once";
  EXPECT_EQ(other.current()->settings.name, "") << "not announced to the other yet";

  other.invalidate();  // what the module does on a remote settings_updated
  EXPECT_FALSE(other.fresh());
  EXPECT_EQ(other.current()->settings.name, "Renamed");

  // Without Redis a copy lives at most a second.
  other.set_cross_instance_invalidation(false);
  EXPECT_EQ(other.max_age_ms(), service::kSettingsUnannouncedMaxAgeMs);
}

}  // namespace
}  // namespace crema::test
