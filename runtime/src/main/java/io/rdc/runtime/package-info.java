/** The rdc runtime: node kernels linked by Aeron, incarnations in GraalJS, references, communications, stream space. */
package io.rdc.runtime;
