// Inventory use cases on the store under test: create, versioned update with on_hand logged
// as adjust, single and batch adjustments (all or nothing), low stock, logs, audit rows.
#include "db/catalogue_fixture.hpp"
#include "service/audit.hpp"
#include "service/stock.hpp"

namespace crema::test {
namespace {

using service::Adjustment;
using service::InventoryItemPatch;
using service::NewInventoryItem;

class InventoryServiceTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (pool_) svc_.emplace(*pool_, bus_);
  }
  domain::InventoryItem create(std::string name, std::int64_t on_hand, std::int64_t threshold = 0) {
    auto r = svc_->create(
        manager_, NewInventoryItem{name, "kg", domain::ItemKind::ingredient, on_hand, threshold});
    EXPECT_TRUE(r.ok());
    return *r;
  }
  void reserve(const std::string& id, std::int64_t q) {
    auto r = pool_->transact([&](db::Transaction& tx) {
      return service::reserve_stock(tx, {{id, q}}, {});
    });
    ASSERT_TRUE(r.ok());
  }
  std::optional<service::InventoryService> svc_;
};

TEST_F(InventoryServiceTest, CreateLogsInitialStockAndAudits) {
  auto flour = create("Flour", 25000);
  EXPECT_EQ(flour.on_hand, 25000);
  EXPECT_EQ(flour.version, 1);
  EXPECT_EQ(logs_of(flour.id, "adjust"), 1);
  auto audit = service::list_audit(*pool_, {});
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "inventory.create");
  EXPECT_EQ(audit[0].target_id, flour.id);
  auto zero = create("Salt", 0);
  EXPECT_EQ(logs_of(zero.id), 0);
}

TEST_F(InventoryServiceTest, CreatingBelowTheThresholdAlertsOnce) {
  auto yeast = create("Yeast", 200, 500);
  auto low = events_of("inventory_low");
  ASSERT_EQ(low.size(), 1u);
  EXPECT_EQ(low[0].data.at("id").as_string(), yeast.id);
}

TEST_F(InventoryServiceTest, UpdateIsVersionedAndLogsOnHandAsAdjust) {
  auto sugar = create("Sugar", 10000);
  InventoryItemPatch patch;
  patch.name = "Cane sugar";
  patch.on_hand = 12500;
  patch.low_stock_threshold = 2000;
  auto stale = svc_->update(manager_, sugar.id, patch, 7);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::version_conflict);

  auto r = svc_->update(manager_, sugar.id, patch, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->name, "Cane sugar");
  EXPECT_EQ(r->on_hand, 12500);
  EXPECT_EQ(r->low_stock_threshold, 2000);
  EXPECT_EQ(r->version, 2);
  auto lease = pool_->read();
  auto logs = repo::list_logs(*lease, sugar.id, std::nullopt, 10);
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[0].kind, domain::LogKind::adjust);
  EXPECT_EQ(logs[0].delta, 2500);
  EXPECT_EQ(logs[0].actor_id, "manager-1");

  // Without a version the update applies to whatever is current.
  InventoryItemPatch unit_only;
  unit_only.unit = "g";
  auto r2 = svc_->update(manager_, sugar.id, unit_only, std::nullopt);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->version, 3);
  EXPECT_EQ(r2->on_hand, 12500);
  EXPECT_EQ(logs_of(sugar.id), 2);  // no stock change, no log row

  auto missing = svc_->update(manager_, util::new_uuid_v7(), unit_only, std::nullopt);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST_F(InventoryServiceTest, OnHandCannotGoBelowReserved) {
  auto milk = create("Milk", 5000);
  reserve(milk.id, 3000);
  InventoryItemPatch patch;
  patch.on_hand = 2999;
  auto r = svc_->update(manager_, milk.id, patch, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::conflict);
  auto a = svc_->adjust(staff_, Adjustment{milk.id, -2001, domain::LogKind::waste, "spilt"});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ErrorCode::conflict);
  EXPECT_EQ(item(milk.id).on_hand, 5000);
  auto ok = svc_->adjust(staff_, Adjustment{milk.id, -2000, domain::LogKind::waste, "spilt"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->on_hand, 3000);
  EXPECT_EQ(ok->available(), 0);
  EXPECT_EQ(logs_of(milk.id, "waste"), 1);
  // Staff adjustments are not manager mutations: no audit row for them.
  for (const auto& row : service::list_audit(*pool_, {})) EXPECT_NE(row.action, "inventory.adjust");
}

TEST_F(InventoryServiceTest, BatchIsAllOrNothing) {
  auto a = create("A", 1000);
  auto b = create("B", 1000);
  reserve(b.id, 800);
  auto refused = svc_->adjust_batch(manager_, {{a.id, 500, domain::LogKind::receive, "delivery"},
                                               {b.id, -300, domain::LogKind::adjust, "count"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  ASSERT_EQ(refused.error().details.size(), 1u);
  EXPECT_EQ(refused.error().details[0].field, "adjustments[1].delta");
  EXPECT_EQ(item(a.id).on_hand, 1000);  // the first one was rolled back too
  EXPECT_EQ(logs_of(a.id), 1);

  auto unknown = svc_->adjust_batch(manager_, {{a.id, 1, domain::LogKind::adjust, ""},
                                               {"ghost", 1, domain::LogKind::adjust, ""}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::validation_failed);
  EXPECT_EQ(unknown.error().details[0].field, "adjustments[1].inventory_item_id");

  auto ok = svc_->adjust_batch(manager_, {{a.id, 500, domain::LogKind::receive, "delivery"},
                                          {b.id, -200, domain::LogKind::adjust, "count"},
                                          {a.id, -100, domain::LogKind::waste, "burnt"}});
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].on_hand, 1400);
  EXPECT_EQ((*ok)[1].on_hand, 800);
  EXPECT_EQ(logs_of(a.id), 3);
}

TEST_F(InventoryServiceTest, ListFiltersAndPages) {
  create("Whole milk", 5000, 6000);  // low
  create("Oat milk", 5000, 1000);
  create("Beans", 5000);
  for (int i = 0; i < 5; ++i) create("Item " + std::to_string(i), 1000);

  service::InventoryQuery q;
  q.q = "MILK";
  auto milks = svc_->list(q);
  ASSERT_EQ(milks.items.size(), 2u);
  EXPECT_EQ(milks.items[0].name, "Oat milk");  // by name

  // Accented capitals fold like ASCII ones.
  create("CRÈME FRAÎCHE", 2000);
  create("Œufs fermiers", 2000);
  for (std::string text : {"crème", "Crème Fraîche", "FRAÎCHE"}) {
    service::InventoryQuery accents;
    accents.q = text;
    auto found = svc_->list(accents);
    ASSERT_EQ(found.items.size(), 1u) << text;
    EXPECT_EQ(found.items[0].name, "CRÈME FRAÎCHE");
  }
  service::InventoryQuery eggs;
  eggs.q = "œuf";
  EXPECT_EQ(svc_->list(eggs).items.size(), 1u);

  service::InventoryQuery low;
  low.low_only = true;
  auto lows = svc_->list(low);
  ASSERT_EQ(lows.items.size(), 1u);
  EXPECT_EQ(lows.items[0].name, "Whole milk");

  service::InventoryQuery paged;
  paged.limit = 3;
  std::vector<std::string> names;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = svc_->list(paged);
    for (auto& it : page.items) names.push_back(it.name);
    if (!page.next) break;
    paged.after = page.next;
  }
  ASSERT_EQ(names.size(), 10u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end(), [](auto& x, auto& y) {
    return repo::fold_name(x) < repo::fold_name(y);
  }));

  service::InventoryQuery products;
  products.kind = domain::ItemKind::product;
  EXPECT_TRUE(svc_->list(products).items.empty());
}

TEST_F(InventoryServiceTest, LogsAreNewestFirstAndPaged) {
  auto beans = create("Beans", 1000);
  for (int i = 1; i <= 4; ++i)
    ASSERT_TRUE(svc_->adjust(staff_, Adjustment{beans.id, i, domain::LogKind::adjust, ""}).ok());
  auto first = svc_->logs(beans.id, std::nullopt, 3);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 3u);
  EXPECT_EQ(first->items[0].delta, 4);
  ASSERT_TRUE(first->next);
  auto second = svc_->logs(beans.id, first->next, 3);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->items.size(), 2u);
  EXPECT_EQ(second->items[1].delta, 1000);  // the initial stock
  EXPECT_FALSE(second->next);
  auto missing = svc_->logs("nope", std::nullopt, 3);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

// GDPR right of access: the stock changes a user made are in their data export, in order,
// and nobody else's are.
TEST_F(InventoryServiceTest, AUsersStockChangesAreInTheirDataExport) {
  auto beans = create("Export beans", 1000);
  for (int i = 1; i <= 3; ++i)
    ASSERT_TRUE(
        svc_->adjust(staff_, Adjustment{beans.id, i, domain::LogKind::adjust, "count"}).ok());
  service::UserExportRegistry registry;
  service::add_inventory_export_section(registry);
  auto staff_doc = registry.build(*pool_, staff_.principal->user_id);
  const auto& rows = staff_doc.at("inventory_logs").as_array();
  ASSERT_EQ(rows.size(), 3u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].at("inventory_item_id"), boost::json::value(beans.id));
    EXPECT_EQ(rows[i].at("actor_id"), boost::json::value(staff_.principal->user_id));
    EXPECT_DOUBLE_EQ(rows[i].at("delta").to_number<double>(), 0.001 * static_cast<double>(i + 1));
  }
  // The manager made the item (its initial stock); a stranger has nothing.
  EXPECT_EQ(
      registry.build(*pool_, manager_.principal->user_id).at("inventory_logs").as_array().size(),
      1u);
  EXPECT_TRUE(registry.build(*pool_, "someone-else").at("inventory_logs").as_array().empty());
}

}  // namespace
}  // namespace crema::test
