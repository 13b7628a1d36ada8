import { useState } from 'preact/hooks';
export default function M() { const [a] = useState(1); return <button>{a}</button>; }
