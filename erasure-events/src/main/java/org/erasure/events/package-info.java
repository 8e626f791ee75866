/** The event contract. */
package org.erasure.events;
