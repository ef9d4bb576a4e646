// SPEC §15.5's delivery platforms on the store under test: external driver profiles have no
// account, and a platform's API key (deliveries:write) assigns and moves only those — the
// rule is the services', whatever route calls them.

#include <boost/json.hpp>

#include "db/catalogue_fixture.hpp"
#include "repo/order_repo.hpp"
#include "service/delivery_service.hpp"
#include "service/order_service.hpp"

namespace crema::test {
namespace {

using domain::DeliveryStatus;
using domain::OrderStatus;

class DeliveryPlatformTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (!pool_) return;
    orders_.emplace(*pool_, bus_, service::OrderSettings{});
    deliveries_.emplace(*pool_, bus_, *orders_);
    pid_ = make_product("Platform pie", "Test", 900);
  }
  static service::Actor key(std::string scope) {
    auth::Principal p;
    p.api_key_id = "key-1";
    p.scopes = {std::move(scope)};
    return service::Actor{p, "203.0.113.9", "req-k"};
  }
  std::string delivery_order(const service::Actor& customer) {
    service::OrderRequest r;
    r.type = domain::OrderType::online;
    service::OrderLine l;
    l.product_id = pid_;
    l.quantity = 1;
    r.items = {l};
    r.items_given = true;
    r.is_pickup = false;
    r.delivery_info = boost::json::object{{"address", "2 Platform Row"}};
    auto placed = orders_->place(customer, r, {});
    if (!placed) throw std::runtime_error(placed.error().message);
    return placed->id;
  }

  std::string pid_;
  std::optional<service::OrderService> orders_;
  std::optional<service::DeliveryService> deliveries_;
};

TEST_F(DeliveryPlatformTest, AKeyAssignsAndMovesOnlyExternalDrivers) {
  service::DriverInput ext;
  ext.external = true;
  ext.name = "Courier";
  ext.vehicle = "bike";
  auto courier = deliveries_->create_driver(manager_, ext);
  ASSERT_TRUE(courier) << courier.error().message;
  EXPECT_TRUE(courier->external);
  EXPECT_TRUE(courier->user_id.empty());
  EXPECT_TRUE(repo::find_driver(*pool_->read(), courier->id)->user_id.empty());

  auto driver_user = insert_user_of_role(*pool_, auth::Role::driver);
  service::DriverInput own_in;
  own_in.user_id = driver_user.user_id();
  own_in.vehicle = "van";
  auto own = deliveries_->create_driver(manager_, own_in);
  ASSERT_TRUE(own);
  EXPECT_FALSE(own->external);

  auto customer = insert_user_of_role(*pool_, auth::Role::customer);
  const auto platform = key("deliveries:write");
  const auto o1 = delivery_order(customer);
  auto refused = orders_->assign_delivery(platform, o1, own->id);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::forbidden);
  auto assigned = orders_->assign_delivery(platform, o1, courier->id);
  ASSERT_TRUE(assigned) << assigned.error().message;
  EXPECT_EQ(assigned->driver_id, courier->id);  // no account: the profile stands in

  // The key lists only external drivers' deliveries.
  const auto o2 = delivery_order(customer);
  ASSERT_TRUE(orders_->assign_delivery(manager_, o2, own->id));
  auto listed = deliveries_->list(platform, {});
  ASSERT_EQ(listed.items.size(), 1u);
  EXPECT_EQ(listed.items[0].order_id, o1);
  EXPECT_EQ(deliveries_->list(manager_, {}).items.size(), 2u);
  repo::DeliveryFilter of_o2;
  of_o2.order_id = o2;
  const auto d2 = deliveries_->list(manager_, of_o2).items.at(0).id;
  EXPECT_EQ(deliveries_->get(platform, d2).error().code, ErrorCode::not_found);
  auto moved = deliveries_->update(platform, d2, DeliveryStatus::failed, {}, "");
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, ErrorCode::forbidden);
  auto taken = orders_->assign_delivery(platform, o2, courier->id);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::forbidden);

  // Its own courier's delivery: through the order's transitions, like a driver's report.
  for (auto s : {OrderStatus::confirmed, OrderStatus::preparing, OrderStatus::ready})
    ASSERT_TRUE(orders_->change_status(staff_, o1, s, "", {}));
  const auto d1 = listed.items[0].id;
  ASSERT_TRUE(deliveries_->update(platform, d1, DeliveryStatus::picked_up, {}, ""));
  ASSERT_TRUE(deliveries_->update(platform, d1, DeliveryStatus::delivered, {}, ""));
  EXPECT_EQ(repo::find_order(*pool_->read(), o1)->status, OrderStatus::delivered);
  // A key without the scope is no platform: it is not given the external drivers either.
  EXPECT_TRUE(deliveries_->list(key("orders:read"), {}).items.empty());
}

}  // namespace
}  // namespace crema::test
