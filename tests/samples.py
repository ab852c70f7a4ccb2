"""Sample data shared by several test packages."""

# The sample order of the outside contract (README "Orders in"), as a shop system would send it.
ORDER = {
    "order_id": "A-100234",
    "placed_at": "2026-11-20T10:15:00+09:00",
    "customer": {"name": "山田 太郎", "email": "taro@example.jp", "phone": "090-1234-5678"},
    "payment": {"method": "bank_transfer", "status": "pending", "paid_at": None},
    "status": "payment_pending",
    "items": [{"sku": "TS-01-M", "name": "オーガニックTシャツ M", "quantity": 1, "price": 3980}],
    "shipping_address": {
        "postal_code": "150-0001",
        "prefecture": "東京都",
        "city": "渋谷区",
        "line1": "神宮前1-2-3",
        "line2": "サンプルビル 201",
    },
    "shipment": {
        "carrier": "yamato",
        "tracking_number": "1234-5678-9012",
        "shipped_at": None,
        "estimated_delivery": "2026-11-24",
    },
    "delay": {"reason": "年末の注文集中", "new_estimate": "2026-11-27"},
}
