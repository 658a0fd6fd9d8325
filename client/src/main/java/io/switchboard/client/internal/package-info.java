/** Implementation details of the client library; not a public API. */
package io.switchboard.client.internal;
