// The unit of work of write transactions (service/write_tx.hpp) on the store under test:
// what a use case collects is published only after its COMMIT, in a fixed order, with the
// connection given back first; a refusal, an exception or a retried attempt leaves nothing
// behind; a failing step after the commit does not undo the answer.

#include <stdexcept>

#include <boost/json.hpp>

#include "db/catalogue_fixture.hpp"
#include "service/write_tx.hpp"

namespace crema::test {
namespace {

namespace json = boost::json;

class UnitOfWorkTest : public CatalogueDbTest {
 protected:
  // An inventory item written through the unit's transaction (any row would do).
  static domain::InventoryItem insert_item(service::UnitOfWork& work, std::string name) {
    domain::InventoryItem it;
    it.id = util::new_uuid_v7();
    it.name = std::move(name);
    it.unit = "pcs";
    it.created_at = it.updated_at = util::now_ms();
    repo::insert_item(work.tx(), it);
    return it;
  }
  std::vector<std::string> types() {
    std::lock_guard lock(events_mutex_);
    std::vector<std::string> out;
    for (const auto& e : events_) out.push_back(e.type);
    return out;
  }
};

TEST_F(UnitOfWorkTest, EverythingCollectedIsDoneAfterTheCommitInOrder) {
  std::vector<std::string> seen_by_step;
  bool writer_free = false;
  auto out = service::in_write_tx(
      *pool_, bus_, [&](service::UnitOfWork& work) -> crema::Result<std::string> {
        auto it = insert_item(work, "Milk");
        work.publish("order_created", json::object{{"id", "o-1"}}, {"orders"});
        service::StockEffects stock;
        stock.item_ids = {it.id};
        stock.product_ids = {"p-b"};
        stock.low_alerts = {it};
        work.stock_changed(std::move(stock));
        work.menu_changed("p-a");
        work.menu_changed("p-b");
        work.after_commit([&, id = it.id] {  // `it` is gone by then: the id by value
          seen_by_step = types();
          // The transaction's connection is back in the pool: on SQLite this is the one
          // writer, which a step still holding it would wait for in vain.
          pool_->transact([&](db::Transaction& tx) {
            tx.exec("UPDATE inventory_items SET name = 'Oat milk' WHERE id = $1", {id});
          });
          writer_free = true;
        });
        work.publish("order_updated", json::object{{"id", "o-1"}}, {"orders"});
        // Nothing has been announced while the transaction is open.
        EXPECT_TRUE(types().empty());
        return it.id;
      });
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(item(*out).name, "Oat milk");
  EXPECT_TRUE(writer_free);
  // The events in the order added, then the stock's alerts, then one menu_updated for every
  // product the unit touched (sorted, once each), then the steps.
  const std::vector<std::string> expected{"order_created", "order_updated", "inventory_low",
                                          "menu_updated"};
  EXPECT_EQ(types(), expected);
  EXPECT_EQ(seen_by_step, expected);
  auto menu = events_of("menu_updated");
  ASSERT_EQ(menu.size(), 1u);
  EXPECT_EQ(json::serialize(menu[0].data), R"({"product_ids":["p-a","p-b"]})");
  EXPECT_EQ(events_of("order_created")[0].topics, std::vector<std::string>{"orders"});
  EXPECT_EQ(events_of("inventory_low")[0].topics, std::vector<std::string>{"inventory"});
}

TEST_F(UnitOfWorkTest, ARefusedChangeIsRolledBackAndAnnouncesNothing) {
  bool ran = false;
  std::string id;
  auto out =
      service::in_write_tx(*pool_, bus_, [&](service::UnitOfWork& work) -> crema::Result<void> {
        id = insert_item(work, "Flour").id;
        work.publish("order_created", json::object{}, {"orders"});
        work.menu_changed("p-1");
        work.after_commit([&] { ran = true; });
        return crema::Error::make(ErrorCode::conflict, "refused");
      });
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::conflict);
  EXPECT_TRUE(types().empty());
  EXPECT_FALSE(ran);
  auto lease = pool_->read();
  EXPECT_FALSE(repo::find_item(*lease, id).has_value());
}

TEST_F(UnitOfWorkTest, AnExceptionRollsBackAndAnnouncesNothing) {
  bool ran = false;
  EXPECT_THROW(service::in_write_tx(*pool_, bus_,
                                    [&](service::UnitOfWork& work) -> crema::Result<void> {
                                      insert_item(work, "Sugar");
                                      work.publish("order_created", json::object{}, {"orders"});
                                      work.after_commit([&] { ran = true; });
                                      throw std::runtime_error("boom");
                                    }),
               std::runtime_error);
  EXPECT_TRUE(types().empty());
  EXPECT_FALSE(ran);
  EXPECT_EQ(count("inventory_items"), 0);
}

TEST_F(UnitOfWorkTest, ARetriedAttemptStartsFromAnEmptyUnit) {
  int attempts = 0;
  int steps = 0;
  auto out =
      service::in_write_tx(*pool_, bus_, [&](service::UnitOfWork& work) -> crema::Result<int> {
        ++attempts;
        insert_item(work, "Beans " + std::to_string(attempts));
        work.publish("order_created", json::object{{"attempt", attempts}}, {"orders"});
        work.menu_changed("p-" + std::to_string(attempts));
        work.after_commit([&] { ++steps; });
        if (attempts == 1) throw db::Error(db::Error::Kind::retryable, "serialization failure");
        return attempts;
      });
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, 2);
  EXPECT_EQ(steps, 1);
  auto created = events_of("order_created");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(json::serialize(created[0].data), R"({"attempt":2})");
  auto menu = events_of("menu_updated");
  ASSERT_EQ(menu.size(), 1u);
  EXPECT_EQ(json::serialize(menu[0].data), R"({"product_ids":["p-2"]})");
  EXPECT_EQ(count("inventory_items"), 1);
}

TEST_F(UnitOfWorkTest, AStepThatFailsAfterTheCommitIsLoggedAndTheChangeStands) {
  bool later_step_ran = false;
  auto out = service::in_write_tx(*pool_, bus_,
                                  [&](service::UnitOfWork& work) -> crema::Result<std::string> {
                                    auto id = insert_item(work, "Cocoa").id;
                                    work.after_commit([] { throw std::runtime_error("step"); });
                                    work.after_commit([&] { later_step_ran = true; });
                                    work.publish("order_created", json::object{}, {"orders"});
                                    return id;
                                  });
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(later_step_ran);
  EXPECT_EQ(events_of("order_created").size(), 1u);
  EXPECT_EQ(item(*out).name, "Cocoa");
}

TEST_F(UnitOfWorkTest, ThePlainFormCommitsAValueAndRollsBackAnError) {
  auto kept = service::in_write_tx(*pool_, [&](db::Transaction& tx) -> crema::Result<void> {
    domain::InventoryItem it;
    it.id = util::new_uuid_v7();
    it.name = "Salt";
    it.unit = "g";
    it.created_at = it.updated_at = util::now_ms();
    repo::insert_item(tx, it);
    return {};
  });
  ASSERT_TRUE(kept.ok());
  auto dropped = service::in_write_tx(*pool_, [&](db::Transaction& tx) -> crema::Result<void> {
    tx.exec("DELETE FROM inventory_items");
    return crema::Error::make(ErrorCode::conflict, "refused");
  });
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(count("inventory_items"), 1);
}

}  // namespace
}  // namespace crema::test
