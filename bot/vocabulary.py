"""The order vocabulary of the outside contract: order statuses, payment statuses and methods.

A leaf module (it imports nothing of ours), so the settings can validate the shop's rules
against it and the order store, importer and policies share the one list.
"""

from __future__ import annotations

import enum


class OrderStatus(str, enum.Enum):
    PAYMENT_PENDING = "payment_pending"
    PAID = "paid"
    PREPARING = "preparing"
    READY_TO_SHIP = "ready_to_ship"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class PaymentStatus(str, enum.Enum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"


class PaymentMethod(str, enum.Enum):
    CREDIT_CARD = "credit_card"
    BANK_TRANSFER = "bank_transfer"
    KONBINI = "konbini"
    COD = "cod"
    PAYPAY = "paypay"


ORDER_STATUSES = tuple(s.value for s in OrderStatus)
PAYMENT_STATUSES = tuple(s.value for s in PaymentStatus)
PAYMENT_METHODS = tuple(m.value for m in PaymentMethod)
