import { implementations } from './conformance.js';
import { describeMediaKeysCases } from './cases/media-keys.js';

for (const impl of implementations) describeMediaKeysCases(impl);
