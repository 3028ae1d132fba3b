// SPDX-License-Identifier: Apache-2.0
#include "hush/ct.h"
#include "hush/group.h"

namespace hush::group {

SenderEntry* SenderTable::find(uint8_t id, uint32_t epoch) noexcept {
  for (SenderEntry& e : entries_) {
    if (e.used && e.id == id && e.epoch == epoch) return &e;
  }
  return nullptr;
}

const SenderEntry* SenderTable::find(uint8_t id, uint32_t epoch) const noexcept {
  for (const SenderEntry& e : entries_) {
    if (e.used && e.id == id && e.epoch == epoch) return &e;
  }
  return nullptr;
}

SenderEntry& SenderTable::claim(uint8_t id, uint32_t epoch) noexcept {
  if (SenderEntry* e = find(id, epoch)) return *e;
  SenderEntry* victim = nullptr;
  for (SenderEntry& e : entries_) {
    if (!e.used) {
      victim = &e;
      break;
    }
  }
  if (victim == nullptr) {
    // Ages are differences on the wrapping clock, so the order survives the
    // wrap (ages stay far below 2^31 in a table this small).
    uint32_t oldest_unproven = 0, oldest = 0;
    SenderEntry* unproven = nullptr;
    SenderEntry* any = nullptr;
    for (SenderEntry& e : entries_) {
      const uint32_t age = clock_ - e.last_auth;
      if (e.freshness != Freshness::kFresh && (unproven == nullptr || age > oldest_unproven)) {
        unproven = &e;
        oldest_unproven = age;
      }
      if (any == nullptr || age > oldest) {
        any = &e;
        oldest = age;
      }
    }
    victim = unproven != nullptr ? unproven : any;
    ++evictions_;
  }
  ct::wipe_object(victim->echo);
  *victim = SenderEntry{};
  victim->used = true;
  victim->id = id;
  victim->epoch = epoch;
  victim->window.forget();
  victim->last_auth = clock_;
  return *victim;
}

void SenderTable::touch(SenderEntry& e) noexcept {
  e.last_auth = ++clock_;
}

void SenderTable::drop_epoch(uint32_t epoch) noexcept {
  for (SenderEntry& e : entries_) {
    if (e.used && e.epoch == epoch) {
      ct::wipe_object(e.echo);
      e = SenderEntry{};
    }
  }
}

void SenderTable::clear() noexcept {
  for (SenderEntry& e : entries_) {
    ct::wipe_object(e.echo);
    e = SenderEntry{};
  }
}

size_t SenderTable::used() const noexcept {
  size_t n = 0;
  for (const SenderEntry& e : entries_) n += e.used ? 1 : 0;
  return n;
}

}  // namespace hush::group
