// The hub without sockets: default channels per role, who may subscribe where, fan-out to
// each listener once, weak references.
#include <algorithm>
#include <functional>
#include <map>
#include <stdexcept>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "events/bus.hpp"
#include "events/hub.hpp"
#include "events/redis_fanout.hpp"
#include "events/socket_ledger.hpp"

namespace crema::events {
namespace {

using Kind = Hub::Decision::Kind;

struct Recorder : Subscriber {
  std::mutex m;
  std::vector<std::string> frames;
  std::vector<Revocation> revocations;
  int evictions = 0;
  void deliver(const Frame& f) override {
    std::lock_guard lock(m);
    frames.push_back(*f);
  }
  void revoke(const Revocation& r) override {
    std::lock_guard lock(m);
    revocations.push_back(r);
  }
  void evict() override {
    std::lock_guard lock(m);
    ++evictions;
  }
  int rechecks = 0;
  void recheck() override {
    std::lock_guard lock(m);
    ++rechecks;
  }
  std::size_t count() {
    std::lock_guard lock(m);
    return frames.size();
  }
};

auth::Principal user(auth::Role role, std::string id) {
  auth::Principal p;
  p.role = role;
  p.user_id = std::move(id);
  return p;
}

TEST(Hub, DefaultChannelsByRole) {
  using auth::Role;
  const std::vector<std::string> staff = {"orders", "inventory", "menu"};
  EXPECT_EQ(Hub::default_channels(user(Role::staff, "s")), staff);
  EXPECT_EQ(Hub::default_channels(user(Role::manager, "m")), staff);
  EXPECT_EQ(Hub::default_channels(user(Role::admin, "a")), staff);
  EXPECT_EQ(Hub::default_channels(user(Role::customer, "c1")), std::vector<std::string>{"user:c1"});
  EXPECT_EQ(Hub::default_channels(user(Role::driver, "d1")), std::vector<std::string>{"driver:d1"});
}

TEST(Hub, ChannelNames) {
  EXPECT_TRUE(Hub::valid_channel("order:0190f1c2-aaaa-7bbb-8ccc-1234567890ab"));
  EXPECT_TRUE(Hub::valid_channel("orders"));
  EXPECT_FALSE(Hub::valid_channel(""));
  EXPECT_FALSE(Hub::valid_channel("has space"));
  EXPECT_FALSE(Hub::valid_channel("quote\""));
  EXPECT_FALSE(Hub::valid_channel(std::string(Hub::kMaxChannelLength + 1, 'a')));
}

TEST(Hub, WithoutRulesStaffMayListenAnywhereAndOthersOnlyOnTheirOwn) {
  Hub hub;
  using auth::Role;
  EXPECT_EQ(hub.decide(user(Role::staff, "s"), "user:c1").kind, Kind::allowed);
  EXPECT_EQ(hub.decide(user(Role::admin, "a"), "order:x").kind, Kind::allowed);
  EXPECT_EQ(hub.decide(user(Role::customer, "c1"), "user:c1").kind, Kind::allowed);
  EXPECT_EQ(hub.decide(user(Role::customer, "c1"), "user:c2").kind, Kind::forbidden);
  EXPECT_EQ(hub.decide(user(Role::customer, "c1"), "orders").kind, Kind::forbidden);
  EXPECT_EQ(hub.decide(user(Role::customer, "c1"), "order:x").kind, Kind::forbidden);
  EXPECT_EQ(hub.decide(user(Role::driver, "d1"), "driver:d1").kind, Kind::allowed);
  EXPECT_EQ(hub.decide(user(Role::driver, "d1"), "driver:d2").kind, Kind::forbidden);
  EXPECT_EQ(hub.decide(user(Role::driver, "d1"), "inventory").kind, Kind::forbidden);
}

TEST(Hub, AGuestListensOnItsOrderOnly) {
  // SPEC §15.1: an X-Order-Token holder starts on its order's channel and nothing else.
  auth::Principal guest;
  guest.order_id = "o1";
  EXPECT_EQ(Hub::default_channels(guest), std::vector<std::string>{"order:o1"});
  Hub hub;
  EXPECT_EQ(hub.decide(guest, "order:o1").kind, Kind::allowed);
  for (const char* other : {"order:o2", "orders", "menu", "inventory", "user:"})
    EXPECT_EQ(hub.decide(guest, other).kind, Kind::forbidden) << other;
}

TEST(Hub, RegisteredRulesDecideTheirChannels) {
  Hub hub;
  using auth::Role;
  // A database-backed rule (ownership of an order): handed back to run on the worker pool.
  hub.register_channel("order:", [](const auth::Principal& p, std::string_view ch) {
    return p.role != Role::customer || ch == "order:mine";
  });
  // An in-memory rule: decided at once.
  hub.register_channel(
      "menu", [](const auth::Principal&, std::string_view) { return true; }, false);
  hub.register_channel(
      "order:secret:", [](const auth::Principal&, std::string_view) { return false; }, false);

  auto d = hub.decide(user(Role::customer, "c1"), "order:mine");
  ASSERT_EQ(d.kind, Kind::check);
  EXPECT_TRUE((*d.check)(user(Role::customer, "c1"), "order:mine"));
  EXPECT_FALSE((*d.check)(user(Role::customer, "c1"), "order:theirs"));
  EXPECT_EQ(hub.decide(user(Role::customer, "c1"), "menu").kind, Kind::allowed);
  EXPECT_EQ(hub.decide(user(Role::customer, "c1"), "menus").kind, Kind::forbidden)
      << "a prefix without ':' names exactly one channel";
  EXPECT_EQ(hub.decide(user(Role::admin, "a"), "order:secret:1").kind, Kind::forbidden)
      << "the longest prefix wins, even over the staff default";
  EXPECT_EQ(hub.decide(user(Role::customer, "c1"), "order:").kind, Kind::forbidden)
      << "a prefix rule needs something after the prefix";
}

TEST(Hub, FanOutReachesEachListenerOnceAndOnlyListeners) {
  Hub hub;
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  auto c = std::make_shared<Recorder>();
  hub.subscribe("orders", a);
  hub.subscribe("order:1", a);  // on two of the event's topics
  hub.subscribe("user:c1", b);
  hub.subscribe("user:c2", c);
  auto frame = std::make_shared<const std::string>("f1");
  hub.fan_out({"orders", "order:1", "user:c1"}, frame);
  EXPECT_EQ(a->frames, std::vector<std::string>{"f1"});
  EXPECT_EQ(b->frames, std::vector<std::string>{"f1"});
  EXPECT_TRUE(c->frames.empty());

  hub.unsubscribe("orders", a.get());
  hub.fan_out({"orders"}, std::make_shared<const std::string>("f2"));
  EXPECT_EQ(a->count(), 1u);
  EXPECT_EQ(hub.listeners("order:1"), 1u);
  EXPECT_EQ(hub.listeners("orders"), 0u);
}

TEST(Hub, HoldsSessionsWeakly) {
  Hub hub;
  auto a = std::make_shared<Recorder>();
  hub.subscribe("orders", a);
  EXPECT_EQ(hub.listeners("orders"), 1u);
  std::weak_ptr<Recorder> w = a;
  a.reset();
  EXPECT_TRUE(w.expired()) << "the hub does not keep a session alive";
  EXPECT_EQ(hub.listeners("orders"), 0u);
  hub.fan_out({"orders"}, std::make_shared<const std::string>("x"));  // nothing to reach
}

TEST(Hub, AttachedToABusDeliversItsFrames) {
  Bus bus;
  Hub hub;
  hub.attach(bus);
  auto staff = std::make_shared<Recorder>();
  auto customer = std::make_shared<Recorder>();
  hub.subscribe("menu", staff);
  hub.subscribe("user:c1", customer);
  bus.publish("menu_updated", boost::json::object{{"product_ids", boost::json::array{"p1"}}});
  ASSERT_EQ(staff->count(), 1u);
  EXPECT_EQ(customer->count(), 0u);
  auto v = boost::json::parse(staff->frames[0]);
  EXPECT_EQ(v.at("type"), "menu_updated");
}

TEST(Hub, ConcurrentSubscribersAndFanOut) {
  Hub hub;
  std::vector<std::shared_ptr<Recorder>> keep;
  for (int i = 0; i < 50; ++i) {
    keep.push_back(std::make_shared<Recorder>());
    hub.subscribe("orders", keep.back());
  }
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    while (!stop) {
      auto r = std::make_shared<Recorder>();
      hub.subscribe("orders", r);
      hub.unsubscribe("orders", r.get());
    }
  });
  for (int i = 0; i < 200; ++i) hub.fan_out({"orders"}, std::make_shared<const std::string>("e"));
  stop = true;
  churn.join();
  for (auto& r : keep) EXPECT_EQ(r->count(), 200u);
}

// ---- the users' sessions (SPEC §15.4) -------------------------------------------------------

TEST(Revocation, WhichSocketsItConcerns) {
  const auto all = Revocation::user("u1", "account deactivated");
  EXPECT_TRUE(all.concerns("u1", "s1"));
  EXPECT_TRUE(all.concerns("u1", ""));
  EXPECT_FALSE(all.concerns("u2", "s1"));
  const auto one = Revocation::session("u1", "s1", "signed out");
  EXPECT_TRUE(one.concerns("u1", "s1"));
  EXPECT_FALSE(one.concerns("u1", "s2"));
  EXPECT_FALSE(one.concerns("u2", "s1")) << "a session id of another user's never matches";
  const auto others = Revocation::all_but("u1", "s1", "password changed");
  EXPECT_FALSE(others.concerns("u1", "s1"));
  EXPECT_TRUE(others.concerns("u1", "s2"));
  EXPECT_FALSE(others.concerns("u2", "s2"));
  EXPECT_FALSE(Revocation::user("", "x").concerns("", "")) << "nobody is not everybody";
}

TEST(Revocation, TravelsAsAnEventWithoutTopics) {
  for (const auto& r :
       {Revocation::user("u1", "role changed"), Revocation::session("u1", "s1", "signed out"),
        Revocation::all_but("u1", "s9", "password changed")}) {
    Event e = revocation_event(r);
    EXPECT_EQ(e.type, kRevocationEvent);
    EXPECT_TRUE(e.topics.empty()) << "no client may ever receive it";
    // As another instance reads it: from the frame this one serialised.
    auto back = revocation_of(*event_from_frame(*make_frame(e), {}));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->user_id, r.user_id);
    EXPECT_EQ(back->session_id, r.session_id);
    EXPECT_EQ(back->keep_session_id, r.keep_session_id);
    EXPECT_EQ(back->reason, r.reason);
  }
  Event other{"order_created", boost::json::object{{"user_id", "u1"}}, {}, 0, false};
  EXPECT_FALSE(revocation_of(other));
  Event nobody = revocation_event(Revocation::user("", "x"));
  EXPECT_FALSE(revocation_of(nobody)) << "a revocation must name its user";
}

TEST(Hub, ARevocationOnTheBusReachesEverySessionOfItsUserOnly) {
  Bus bus;
  Hub hub;
  hub.attach(bus);
  auto a1 = std::make_shared<Recorder>();
  auto a2 = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  hub.add_user_session("a", a1);
  hub.add_user_session("a", a2);
  hub.add_user_session("b", b);
  hub.subscribe("orders", a1);
  bus.publish(revocation_event(Revocation::session("a", "s1", "signed out")));
  EXPECT_EQ(a1->revocations.size(), 1u);
  EXPECT_EQ(a2->revocations.size(), 1u) << "each session decides whether its session matches";
  EXPECT_TRUE(b->revocations.empty());
  EXPECT_EQ(a1->count(), 0u) << "a revocation is never delivered as a frame";
  // Also from another instance (through Redis).
  Event remote = revocation_event(Revocation::user("b", "account erased"));
  bus.deliver_remote(remote, make_frame(remote));
  EXPECT_EQ(b->revocations.size(), 1u);
  EXPECT_EQ(b->revocations[0].reason, "account erased");
  // A closed session is forgotten.
  hub.remove_user_session("a", a1.get());
  EXPECT_EQ(hub.user_sessions("a"), 1u);
  hub.revoke(Revocation::user("a", "role changed"));
  EXPECT_EQ(a1->revocations.size(), 1u);
  EXPECT_EQ(a2->revocations.size(), 2u);
}

TEST(Hub, OneSessionMoreThanAllowedEvictsTheUsersOldest) {
  Hub hub;
  hub.set_max_per_user(3);
  std::vector<std::shared_ptr<Recorder>> s;
  for (int i = 0; i < 3; ++i) {
    s.push_back(std::make_shared<Recorder>());
    hub.add_user_session("u", s.back());
  }
  auto other = std::make_shared<Recorder>();
  hub.add_user_session("v", other);
  for (const auto& r : s) EXPECT_EQ(r->evictions, 0);
  s.push_back(std::make_shared<Recorder>());
  hub.add_user_session("u", s.back());
  EXPECT_EQ(s[0]->evictions, 1) << "the oldest goes";
  for (std::size_t i = 1; i < s.size(); ++i) EXPECT_EQ(s[i]->evictions, 0) << i;
  EXPECT_EQ(other->evictions, 0) << "another user's sessions do not count";
  EXPECT_EQ(hub.user_sessions("u"), 3u);
  // The evicted one is forgotten at once: the next newcomer evicts the next oldest.
  s.push_back(std::make_shared<Recorder>());
  hub.add_user_session("u", s.back());
  EXPECT_EQ(s[0]->evictions, 1);
  EXPECT_EQ(s[1]->evictions, 1);
  // A session that closed by itself frees its place.
  hub.remove_user_session("u", s[2].get());
  s.push_back(std::make_shared<Recorder>());
  hub.add_user_session("u", s.back());
  EXPECT_EQ(s[3]->evictions, 0);
  EXPECT_EQ(hub.user_sessions("u"), 3u);
  // So does one that is gone without saying so (a weak reference).
  s[3].reset();
  s.push_back(std::make_shared<Recorder>());
  hub.add_user_session("u", s.back());
  EXPECT_EQ(s[4]->evictions, 0);
}

TEST(Hub, RecheckAllAsksEverySessionOfEveryUser) {
  Hub hub;
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  auto gone = std::make_shared<Recorder>();
  hub.add_user_session("a", a);
  hub.add_user_session("b", b);
  hub.add_user_session("b", gone);
  hub.remove_user_session("b", gone.get());
  hub.recheck_all();
  EXPECT_EQ(a->rechecks, 1);
  EXPECT_EQ(b->rechecks, 1);
  EXPECT_EQ(gone->rechecks, 0);
}

TEST(Hub, WithoutALimitNobodyIsEvicted) {
  Hub hub;  // max_per_user 0
  std::vector<std::shared_ptr<Recorder>> s;
  for (int i = 0; i < 50; ++i) {
    s.push_back(std::make_shared<Recorder>());
    hub.add_user_session("u", s.back());
  }
  for (const auto& r : s) EXPECT_EQ(r->evictions, 0);
  EXPECT_EQ(hub.user_sessions("u"), 50u);
}

// ---- the cap across instances (events/socket_ledger.hpp) ----------------------------------

struct HubReport {
  bool opened;
  std::string user, socket;
};

TEST(Hub, AReporterDecidesInsteadOfTheLocalLimit) {
  Hub hub;
  hub.set_max_per_user(1);
  std::vector<HubReport> reports;
  bool accept = true;
  hub.set_socket_reporter(std::make_shared<const Hub::SocketReporter>(
      [&](bool opened, const std::string& u, const std::string& id, std::int64_t at_us) {
        EXPECT_EQ(at_us > 0, opened);
        reports.push_back(HubReport{opened, u, id});
        return accept;
      }));
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  const std::string id_a = hub.add_user_session("u", a);
  const std::string id_b = hub.add_user_session("u", b);
  EXPECT_EQ(a->evictions, 0) << "the ledger decides, not this instance's count";
  EXPECT_EQ(hub.user_sessions("u"), 2u);
  EXPECT_LT(id_a, id_b) << "one instance's ids sort in opening order";
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_TRUE(reports[0].opened);
  EXPECT_EQ(reports[0].user, "u");
  EXPECT_EQ(reports[0].socket, id_a);
  EXPECT_EQ(reports[1].socket, id_b);

  hub.evict_socket("v", id_a);  // another user's: nothing
  EXPECT_EQ(a->evictions, 0);
  hub.evict_socket("u", id_a);
  EXPECT_EQ(a->evictions, 1);
  EXPECT_EQ(b->evictions, 0);
  EXPECT_EQ(hub.user_sessions("u"), 1u);
  hub.evict_socket("u", id_a);  // once
  EXPECT_EQ(a->evictions, 1);

  // The evicted session's own end reports nothing (the ledger already forgot it); the other's
  // does.
  hub.remove_user_session("u", a.get());
  EXPECT_EQ(reports.size(), 2u);
  hub.remove_user_session("u", b.get());
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_FALSE(reports[2].opened);
  EXPECT_EQ(reports[2].socket, id_b);

  // A reporter that cannot take the report: this instance's own limit applies.
  accept = false;
  auto c = std::make_shared<Recorder>();
  auto d = std::make_shared<Recorder>();
  hub.add_user_session("u", c);
  hub.add_user_session("u", d);
  EXPECT_EQ(c->evictions, 1);
  EXPECT_EQ(d->evictions, 0);
}

TEST(Hub, ASocketEvictedEventClosesTheSocketOnTheInstanceHoldingIt) {
  Bus bus;
  Hub here, there;  // two instances, linked as the Redis fan-out links them
  here.attach(bus);
  there.attach(bus);
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  const std::string id_a = here.add_user_session("u", a);
  const std::string id_b = there.add_user_session("u", b);
  EXPECT_NE(id_a.substr(0, 16), id_b.substr(0, 16)) << "each instance has its own prefix";
  bus.publish(socket_evicted_event("u", id_b));
  EXPECT_EQ(a->evictions, 0);
  EXPECT_EQ(b->evictions, 1);
  EXPECT_TRUE(b->frames.empty()) << "no client ever sees the event";
  EXPECT_EQ(there.user_sessions("u"), 0u);

  auto back = socket_evicted_of(socket_evicted_event("u", "x-1"));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->first, "u");
  EXPECT_EQ(back->second, "x-1");
  EXPECT_FALSE(socket_evicted_of(Event{
      std::string(kSocketEvictedEvent), boost::json::object{{"user_id", "u"}}, {}, 0, false}));
  EXPECT_FALSE(socket_evicted_of(Event{"order_created", boost::json::object{}, {}, 0, false}));
}

/// The Redis ledger's rule in memory (the db tests run the real one).
struct LedgerInMemory : SocketLedger {
  std::mutex m;
  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> sets;
  bool down = false;
  std::vector<std::string> opened(const std::string& user, const std::string& id,
                                  std::int64_t at_us, std::size_t max) override {
    std::lock_guard lock(m);
    if (down) throw std::runtime_error("redis: unreachable");
    auto& set = sets[user];
    set.emplace_back(at_us, id);
    std::sort(set.begin(), set.end());
    std::vector<std::string> out;
    while (set.size() > max) {
      out.push_back(set.front().second);
      set.erase(set.begin());
    }
    return out;
  }
  void closed(const std::string& user, const std::string& id) override {
    std::lock_guard lock(m);
    if (down) throw std::runtime_error("redis: unreachable");
    std::erase_if(sets[user], [&](const auto& e) { return e.second == id; });
  }
  std::size_t size(const std::string& user) {
    std::lock_guard lock(m);
    return sets[user].size();
  }
};

bool hub_eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 400 && !done(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return done();
}

TEST(Hub, TheGlobalLimitCountsTheSocketsOfEveryInstance) {
  Bus bus;
  auto ledger = std::make_shared<LedgerInMemory>();
  Hub one, two;
  for (Hub* h : {&one, &two}) {
    h->attach(bus);
    h->set_max_per_user(2);
  }
  GlobalSocketLimit limit_one(ledger, one, bus), limit_two(ledger, two, bus);
  auto s1 = std::make_shared<Recorder>();
  auto s2 = std::make_shared<Recorder>();
  auto s3 = std::make_shared<Recorder>();
  one.add_user_session("u", s1);
  ASSERT_TRUE(hub_eventually([&] { return ledger->size("u") == 1; }));  // opening order
  two.add_user_session("u", s2);
  ASSERT_TRUE(hub_eventually([&] { return ledger->size("u") == 2; }));
  EXPECT_EQ(s1->evictions + s2->evictions, 0) << "two instances, one socket each: within 2";
  one.add_user_session("u", s3);
  EXPECT_TRUE(hub_eventually([&] { return s1->evictions == 1; })) << "the oldest, on instance one";
  EXPECT_EQ(s2->evictions, 0);
  EXPECT_EQ(s3->evictions, 0);
  EXPECT_EQ(one.user_sessions("u"), 1u);

  // A close frees its place in the ledger.
  two.remove_user_session("u", s2.get());
  ASSERT_TRUE(hub_eventually([&] { return ledger->size("u") == 1; }));
  auto s4 = std::make_shared<Recorder>();
  two.add_user_session("u", s4);
  ASSERT_TRUE(hub_eventually([&] { return ledger->size("u") == 2; }));
  EXPECT_EQ(s3->evictions, 0);

  // The ledger unreachable: each instance still holds the user to the limit itself.
  ledger->down = true;
  auto s5 = std::make_shared<Recorder>();
  auto s6 = std::make_shared<Recorder>();
  one.add_user_session("u", s5);
  EXPECT_TRUE(hub_eventually([&] { return one.user_sessions("u") == 2; }));
  one.add_user_session("u", s6);
  EXPECT_TRUE(hub_eventually([&] { return s3->evictions == 1; })) << "instance one's oldest";
  EXPECT_EQ(s4->evictions, 0) << "instance two is not asked";
  limit_one.stop();
  limit_two.stop();
}

}  // namespace
}  // namespace crema::events
