#include "repo/image_repo.hpp"

#include "repo/inventory_repo.hpp"

namespace crema::repo {

namespace {

using Status = domain::ProductImage::Status;

constexpr std::string_view kImageColumns =
    "id, product_id, original_key, thumbnail_key, web_key, content_type, width, height, "
    "status, position, created_at";

Status status_of(std::string_view s) {
  if (s == "ready") return Status::ready;
  if (s == "pending") return Status::pending;
  return Status::failed;
}

domain::ProductImage image_of(const db::Row& row) {
  domain::ProductImage img;
  img.id = row.text(0);
  img.product_id = row.text(1);
  img.original_key = row.text(2);
  img.thumbnail_key = row.opt_text(3).value_or("");
  img.web_key = row.opt_text(4).value_or("");
  img.content_type = row.text(5);
  img.width = static_cast<int>(row.int64(6));
  img.height = static_cast<int>(row.int64(7));
  img.status = status_of(row.text_view(8));
  img.position = static_cast<int>(row.int64(9));
  img.created_at = row.int64(10);
  return img;
}

}  // namespace

void insert_image(db::Transaction& tx, const domain::ProductImage& i) {
  tx.exec(
      "INSERT INTO product_images (id, product_id, original_key, thumbnail_key, web_key, "
      "content_type, width, height, status, position, created_at, updated_at) "
      "VALUES ($1, $2, $3, NULL, NULL, $4, $5, $6, $7, $8, $9, $9)",
      {std::string_view(i.id), std::string_view(i.product_id), std::string_view(i.original_key),
       std::string_view(i.content_type), static_cast<std::int64_t>(i.width),
       static_cast<std::int64_t>(i.height), domain::image_status_name(i.status),
       static_cast<std::int64_t>(i.position), i.created_at});
}

std::optional<domain::ProductImage> find_image(db::Connection& conn, std::string_view id) {
  static const std::string sql =
      "SELECT " + std::string(kImageColumns) + " FROM product_images WHERE id = $1";
  auto r = conn.exec(sql, {id});
  if (r.empty()) return std::nullopt;
  return image_of(r.front());
}

int next_image_position(db::Connection& conn, std::string_view product_id) {
  auto r =
      conn.exec("SELECT COALESCE(MAX(position) + 1, 0) FROM product_images WHERE product_id = $1",
                {product_id});
  return static_cast<int>(r.front().int64(0));
}

std::map<std::string, std::vector<domain::ProductImage>> images_of(
    db::Connection& conn, std::span<const std::string> product_ids) {
  std::map<std::string, std::vector<domain::ProductImage>> out;
  if (product_ids.empty()) return out;
  std::vector<db::Param> params(product_ids.begin(), product_ids.end());
  auto r =
      conn.exec("SELECT " + std::string(kImageColumns) +
                    " FROM product_images WHERE status <> 'failed' AND product_id IN (" +
                    placeholders(1, product_ids.size()) + ") ORDER BY product_id, position, id",
                params);
  for (auto row : r) {
    auto img = image_of(row);
    out[img.product_id].push_back(std::move(img));
  }
  return out;
}

void set_image_ready(db::Transaction& tx, std::string_view id, std::string_view thumbnail_key,
                     std::string_view web_key, std::int64_t now) {
  tx.exec(
      "UPDATE product_images SET status = 'ready', thumbnail_key = $2, web_key = $3, "
      "updated_at = $4 WHERE id = $1",
      {id, thumbnail_key, web_key, now});
}

void set_image_failed(db::Transaction& tx, std::string_view id, std::int64_t now) {
  tx.exec("UPDATE product_images SET status = 'failed', updated_at = $2 WHERE id = $1", {id, now});
}

std::vector<std::string> pending_image_ids(db::Connection& conn, int limit) {
  auto r = conn.exec(
      "SELECT id FROM product_images WHERE status = 'pending' ORDER BY created_at, id LIMIT $1",
      {static_cast<std::int64_t>(limit)});
  std::vector<std::string> out;
  for (auto row : r) out.push_back(row.text(0));
  return out;
}

}  // namespace crema::repo
