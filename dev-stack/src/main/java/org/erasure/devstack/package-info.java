/** Real embedded servers and the seeded sample world. */
package org.erasure.devstack;
