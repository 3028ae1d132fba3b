// SPDX-License-Identifier: Apache-2.0
#include "group/group_codec.h"

#include "record/oscore_kdf.h"

namespace hush::group {

Error parse_header(ConstByteSpan record, size_t tag_len, GroupHeader& header) noexcept {
  header = GroupHeader{};
  if (record.empty() || (record[0] & wire::kFrameGroupMask) != wire::kFrameGroup) return Error::kMalformed;
  const uint8_t b = record[0];
  const size_t plen = static_cast<size_t>(b & wire::kGroupPsnLenMask) + 1;
  const size_t size = 1 + wire::kGroupSenderIdLen + plen;
  if (record.size() > wire::kRecordMaxLen || record.size() < size + tag_len) return Error::kMalformed;
  uint64_t seq = 0;
  for (size_t i = 0; i < plen; ++i) seq = (seq << 8) | record[2 + i];
  // One sequence number, one encoding: the AAD covers the header as sent,
  // so a second form of the same number would be a second valid record.
  if (psn_len(seq) != plen) return Error::kMalformed;
  header.control = (b & wire::kGroupControl) != 0;
  header.epoch_bits = static_cast<uint8_t>((b & wire::kGroupEpochMask) >> wire::kGroupEpochShift);
  header.sender = record[1];
  header.psn_len = static_cast<uint8_t>(plen);
  header.seq = seq;
  header.size = size;
  return Error::kOk;
}

namespace detail {

size_t write_header(bool control, uint32_t epoch, uint8_t sender, uint64_t seq, ByteSpan out) noexcept {
  const size_t plen = psn_len(seq);
  size_t pos = 0;
  out[pos++] = static_cast<uint8_t>(wire::kFrameGroup | (control ? wire::kGroupControl : 0) |
                                    ((epoch << wire::kGroupEpochShift) & wire::kGroupEpochMask) | (plen - 1));
  out[pos++] = sender;
  for (size_t i = plen; i-- > 0;) out[pos++] = static_cast<uint8_t>(seq >> (8 * i));
  return pos;
}

size_t build_aad(crypto::Aead alg, ConstByteSpan header, uint8_t (&aad)[kMaxAadLen]) noexcept {
  size_t n = 0;
  for (size_t i = 0; i < header.size() && n < kMaxAadLen - 1; ++i) aad[n++] = header[i];
  aad[n++] = static_cast<uint8_t>(record::cose_alg(alg));
  return n;
}

size_t id_context(ConstByteSpan group_id, uint32_t epoch, uint8_t (&out)[kMaxGroupIdLen + kEpochLen]) noexcept {
  size_t n = 0;
  for (size_t i = 0; i < group_id.size() && i < kMaxGroupIdLen; ++i) out[n++] = group_id[i];
  for (size_t i = kEpochLen; i-- > 0;) out[n++] = static_cast<uint8_t>(epoch >> (8 * i));
  return n;
}

Error sender_key(crypto::Aead alg, ConstByteSpan prk, ConstByteSpan group_id, uint32_t epoch, uint8_t sender,
                 uint8_t (&key)[record::kKeyLen]) noexcept {
  uint8_t idc[kMaxGroupIdLen + kEpochLen];
  const size_t idc_len = id_context(group_id, epoch, idc);
  const uint8_t id[1] = {sender};
  return record::detail::expand(alg, prk, ConstByteSpan(id), record::IdContext{ConstByteSpan(idc, idc_len), true},
                                false, ByteSpan(key));
}

void sender_nonce(const uint8_t (&common_iv)[record::kNonceLen], uint8_t sender, uint64_t seq,
                  uint8_t (&nonce)[record::kNonceLen]) noexcept {
  const uint8_t id[1] = {sender};
  uint8_t base[record::kNonceLen];
  record::detail::nonce_base(common_iv, ConstByteSpan(id), base);
  record::detail::nonce_for(base, seq, nonce);
}

}  // namespace detail
}  // namespace hush::group
