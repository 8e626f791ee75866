package org.erasure.events;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/**
 * Why the erasure was requested.
 *
 * <p>An enum rather than free text: auditors can aggregate it, and free text invites PII into an
 * event that is retained for years. Unlike the other enums, an unknown value read from the wire
 * maps to {@link #OTHER} instead of being rejected: the reason is informational, and a newer
 * producer adding a reason must never stall an erasure that is on a legal clock.
 */
public enum ErasureReason {
    ACCOUNT_CLOSED,
    INACTIVITY_PURGE,
    USER_REQUEST,
    @JsonEnumDefaultValue
    OTHER
}
