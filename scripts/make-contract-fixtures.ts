/**
 * Generates the contract fixtures under test/fixtures/contracts/: three Chinese contracts in the clause
 * structure of the national model texts (合同示范文本), each as JSON (structured), DOCX (docx) and PDF
 * (pdfkit + Noto Sans SC), plus a template with typed variables.
 *
 *   npx tsx scripts/make-contract-fixtures.ts
 *
 * The parties are the fixture companies of test/fixtures/registrations/valid.json (public registry facts;
 * contacts invented). The generated files are committed; tests read them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { AlignmentType, Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'test/fixtures/contracts');
const FONT = path.join(ROOT, 'node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf');

interface Party {
  name: string;
  uscc: string;
  address: string;
  contact: string;
  phone: string;
  email: string;
}
interface Section {
  heading: string;
  paragraphs: string[];
}
export interface FixtureContract {
  key: string;
  title: string;
  type: string;
  partyA: Party;
  partyB: Party;
  amountFen: number;
  signingDate: string;
  startDate: string;
  endDate: string;
  sections: Section[];
}

const valid = require('../test/fixtures/registrations/valid.json') as {
  applications: Array<{ companyName: string; uscc: string; registeredAddress: string; contactName: string; contactMobile: string; contactEmail: string }>;
};
const norm = (s: string) => s.normalize('NFKC').replace(/[\s-]/g, '').toUpperCase();
const parties: Party[] = valid.applications.map((a) => ({
  name: a.companyName,
  uscc: norm(a.uscc),
  address: a.registeredAddress,
  contact: a.contactName,
  phone: a.contactMobile.normalize('NFKC').replace(/[\s-]/g, '').replace(/^\+?86/, ''),
  email: a.contactEmail.toLowerCase(),
}));
const [alibaba, tencent, huawei, baidu, xiaomi] = parties as [Party, Party, Party, Party, Party];

const yuan = (fen: number) => (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2 });

const UPPER_DIGITS = '零壹贰叁肆伍陆柒捌玖';
/** Amount in Chinese capital numerals (大写), integer yuan (the fixtures use whole yuan). */
function capital(fen: number): string {
  const n = Math.round(fen / 100);
  const units = ['', '拾', '佰', '仟'];
  const groups = ['', '万', '亿'];
  let s = '';
  let g = 0;
  let rest = n;
  while (rest > 0) {
    const part = rest % 10000;
    let ps = '';
    let zero = false;
    for (let i = 0; i < 4; i++) {
      const d = Math.floor(part / 10 ** i) % 10;
      if (d === 0) {
        if (ps && !zero) zero = true;
      } else {
        ps = UPPER_DIGITS[d] + units[i] + (zero ? '零' : '') + ps;
        zero = false;
      }
    }
    if (part) s = ps + groups[g] + s;
    rest = Math.floor(rest / 10000);
    g++;
  }
  return (s || '零') + '元整';
}

function partiesSection(a: Party, b: Party, roleA: string, roleB: string): Section {
  const p = (role: string, x: Party) =>
    `${role}：${x.name}；统一社会信用代码：${x.uscc}；住所：${x.address}；联系人：${x.contact}；电话：${x.phone}；电子邮箱：${x.email}`;
  return { heading: '合同当事人', paragraphs: [p(roleA, a), p(roleB, b)] };
}

function common(c: { amountFen: number; a: Party; b: Party }): Section[] {
  return [
    {
      heading: '保密',
      paragraphs: [
        '双方对在订立和履行本合同过程中知悉的对方商业秘密、技术秘密及其他未公开信息负有保密义务，未经对方书面同意，不得向任何第三方披露或用于本合同以外的目的。',
        '保密义务不因本合同的变更、解除或终止而失效，保密期限为本合同终止之日起三年。',
      ],
    },
    {
      heading: '违约责任',
      paragraphs: [
        '任何一方违反本合同约定的，应当承担继续履行、采取补救措施或者赔偿损失等违约责任。',
        `乙方逾期交付的，每逾期一日，应按合同总价款的千分之三向甲方支付违约金，违约金累计不超过合同总价款的百分之十（即人民币${yuan(Math.round(c.amountFen / 10))}元）。`,
        '甲方逾期付款的，每逾期一日，应按逾期未付款项的万分之五向乙方支付违约金。',
      ],
    },
    {
      heading: '不可抗力',
      paragraphs: [
        '因不可抗力不能履行合同的，根据不可抗力的影响，部分或者全部免除责任。遭受不可抗力的一方应及时通知对方，并在十五日内提供相关证明。',
      ],
    },
    {
      heading: '争议解决',
      paragraphs: [
        '因本合同引起的或与本合同有关的任何争议，双方应友好协商解决；协商不成的，任何一方均可向甲方住所地有管辖权的人民法院提起诉讼。',
      ],
    },
    {
      heading: '其他',
      paragraphs: [
        '本合同自双方法定代表人或授权代表签字（或电子签名）并加盖公章（或合同专用章）之日起生效。',
        '本合同一式肆份，甲乙双方各执贰份，具有同等法律效力；以电子形式签署的，电子文本与纸质文本具有同等效力。',
      ],
    },
    {
      heading: '签署',
      paragraphs: [
        `甲方（盖章）：${c.a.name}    法定代表人或授权代表（签字）：__________    日期：____年__月__日`,
        `乙方（盖章）：${c.b.name}    法定代表人或授权代表（签字）：__________    日期：____年__月__日`,
      ],
    },
  ];
}

const software: FixtureContract = {
  key: 'software-development',
  title: '合同管理系统软件开发服务合同',
  type: 'software_development',
  partyA: tencent,
  partyB: alibaba,
  amountFen: 128_000_000,
  signingDate: '2026-03-02',
  startDate: '2026-03-10',
  endDate: '2026-12-31',
  sections: [],
};
software.sections = [
  partiesSection(software.partyA, software.partyB, '甲方（委托方）', '乙方（受托方）'),
  {
    heading: '项目名称与开发内容',
    paragraphs: [
      '甲方委托乙方开发“企业合同全生命周期管理系统”（以下简称“本软件”），包括合同起草、模板管理、审批流程、电子签署、归档检索及统计分析等功能模块。',
      '本软件的具体功能、性能指标及技术要求以双方签字确认的《需求规格说明书》（附件一）为准，附件一为本合同不可分割的组成部分。',
    ],
  },
  {
    heading: '价款与支付',
    paragraphs: [
      `本合同总价款为人民币${yuan(software.amountFen)}元（大写：${capital(software.amountFen)}），含增值税（税率6%）。`,
      '甲方按以下进度付款：（一）本合同生效后十个工作日内支付合同总价款的30%；（二）系统通过初验后十个工作日内支付40%；（三）系统通过终验并稳定运行三个月后十个工作日内支付剩余30%。',
      '乙方应在每期付款前向甲方开具等额合法有效的增值税专用发票。',
    ],
  },
  {
    heading: '履行期限',
    paragraphs: [
      '开发期限自2026年3月10日起至2026年10月31日止；系统上线后提供免费维护至2026年12月31日。',
    ],
  },
  {
    heading: '交付与验收',
    paragraphs: [
      '乙方应按附件一约定交付本软件的可执行程序、源代码、数据库设计文档、用户手册及部署手册。',
      '甲方应在收到交付物后十五个工作日内组织验收；验收不合格的，乙方应在十个工作日内修改完善并重新提交验收。',
    ],
  },
  {
    heading: '知识产权',
    paragraphs: ['本软件的著作权及相关知识产权归甲方所有；乙方在开发前已拥有的通用组件，其知识产权仍归乙方，甲方享有永久、免费的使用权。'],
  },
  ...common({ amountFen: software.amountFen, a: software.partyA, b: software.partyB }),
];

const equipment: FixtureContract = {
  key: 'equipment-purchase',
  title: '数据中心服务器设备采购合同',
  type: 'purchase',
  partyA: baidu,
  partyB: huawei,
  amountFen: 356_000_000,
  signingDate: '2026-04-15',
  startDate: '2026-04-20',
  endDate: '2029-04-19',
  sections: [],
};
equipment.sections = [
  partiesSection(equipment.partyA, equipment.partyB, '甲方（买受人）', '乙方（出卖人）'),
  {
    heading: '标的物',
    paragraphs: [
      '乙方向甲方出售TaiShan 200 服务器（型号2280）共计80台，及配套交换机4台、机柜8套，具体规格、数量、单价见《设备清单》（附件一）。',
      '乙方保证所供设备为全新、未使用过的原厂正品，符合国家标准及行业标准，并具有合法来源。',
    ],
  },
  {
    heading: '价款与支付',
    paragraphs: [
      `本合同总价款为人民币${yuan(equipment.amountFen)}元（大写：${capital(equipment.amountFen)}），含增值税（税率13%）、运输费、保险费及安装调试费。`,
      '甲方于设备到货并经开箱验收合格后三十日内支付合同总价款的90%，余款10%作为质量保证金，在质保期满一年后无息支付。',
    ],
  },
  {
    heading: '履行期限',
    paragraphs: ['乙方应于2026年5月31日前将全部设备运至甲方指定地点：北京市海淀区上地十街10号数据中心机房，并在到货后十日内完成安装调试。'],
  },
  {
    heading: '交付与验收',
    paragraphs: [
      '设备到货后，双方共同开箱，按《设备清单》核对型号、数量及外观；安装调试完成后连续运行七十二小时无故障的，视为验收合格。',
      '验收不合格的，乙方应在七日内免费更换或修复，因此产生的费用由乙方承担。',
    ],
  },
  {
    heading: '质量保证',
    paragraphs: ['质保期为验收合格之日起三年。质保期内，乙方提供7×24小时技术支持，接到故障通知后四小时内响应，二十四小时内到场。'],
  },
  ...common({ amountFen: equipment.amountFen, a: equipment.partyA, b: equipment.partyB }),
];

const service: FixtureContract = {
  key: 'technical-service',
  title: '移动应用安全评估技术服务合同',
  type: 'technical_service',
  partyA: xiaomi,
  partyB: tencent,
  amountFen: 45_000_000,
  signingDate: '2026-05-08',
  startDate: '2026-05-15',
  endDate: '2027-05-14',
  sections: [],
};
service.sections = [
  partiesSection(service.partyA, service.partyB, '甲方（委托方）', '乙方（服务方）'),
  {
    heading: '服务内容与方式',
    paragraphs: [
      '乙方为甲方旗下移动应用提供安全评估技术服务，包括代码安全审计、渗透测试、个人信息保护合规评估及整改复测。',
      '乙方应按季度提交《安全评估报告》，重大安全漏洞应在发现后二十四小时内书面通知甲方。',
    ],
  },
  {
    heading: '价款与支付',
    paragraphs: [
      `本合同服务费总额为人民币${yuan(service.amountFen)}元（大写：${capital(service.amountFen)}），含增值税（税率6%）。`,
      '服务费按季度结算，甲方在收到当季《安全评估报告》并确认无异议后十五个工作日内支付当季服务费。',
    ],
  },
  {
    heading: '履行期限',
    paragraphs: ['服务期限自2026年5月15日起至2027年5月14日止，共十二个月。期满前三十日内双方可协商续约。'],
  },
  {
    heading: '交付与验收',
    paragraphs: ['甲方应在收到每季度《安全评估报告》后十个工作日内提出书面意见；逾期未提出的，视为验收通过。'],
  },
  ...common({ amountFen: service.amountFen, a: service.partyA, b: service.partyB }),
];

export const CONTRACTS = [software, equipment, service];

const DIGITS = '零一二三四五六七八九';
/** 1..99 in Chinese numerals (第十二条). */
function cn(n: number): string {
  if (n < 10) return DIGITS[n]!;
  const t = Math.floor(n / 10);
  return (t > 1 ? DIGITS[t] : '') + '十' + (n % 10 ? DIGITS[n % 10] : '');
}

export function bodyText(c: FixtureContract): string {
  const lines = [c.title, ''];
  c.sections.forEach((s, i) => {
    lines.push(`第${cn(i + 1)}条 ${s.heading}`);
    for (const p of s.paragraphs) lines.push(p);
    lines.push('');
  });
  return lines.join('\n').trim() + '\n';
}

async function docx(c: FixtureContract): Promise<Buffer> {
  const children: Paragraph[] = [new Paragraph({ text: c.title, heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER })];
  c.sections.forEach((s, i) => {
    children.push(new Paragraph({ text: `第${cn(i + 1)}条 ${s.heading}`, heading: HeadingLevel.HEADING_2 }));
    for (const p of s.paragraphs) children.push(new Paragraph({ children: [new TextRun({ text: p, font: 'SimSun' })] }));
  });
  const doc = new Document({ creator: 'Pactum fixtures', title: c.title, sections: [{ children }] });
  return Packer.toBuffer(doc);
}

function pdf(c: FixtureContract): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: c.title, Creator: 'Pactum fixtures', CreationDate: new Date('2026-01-01T00:00:00Z') } });
    const chunks: Buffer[] = [];
    doc.on('data', (b: Buffer) => chunks.push(b));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('cjk', FONT);
    doc.font('cjk').fontSize(18).text(c.title, { align: 'center' }).moveDown();
    c.sections.forEach((s, i) => {
      doc.fontSize(13).text(`第${cn(i + 1)}条 ${s.heading}`).moveDown(0.3);
      for (const p of s.paragraphs) doc.fontSize(10.5).text(p, { lineGap: 3 }).moveDown(0.3);
      doc.moveDown(0.5);
    });
    doc.end();
  });
}

export const TEMPLATE = {
  name: '技术服务合同（标准模板）',
  type: 'technical_service',
  variables: [
    { name: 'partyA.name', type: 'party', label: '甲方' },
    { name: 'partyB.name', type: 'party', label: '乙方' },
    { name: 'partyB.uscc', type: 'text', label: '乙方统一社会信用代码' },
    { name: 'service', type: 'text', label: '服务内容' },
    { name: 'amount', type: 'amount', label: '服务费（分）' },
    { name: 'startDate', type: 'date', label: '开始日期' },
    { name: 'endDate', type: 'date', label: '结束日期' },
  ],
  body: [
    '技术服务合同',
    '',
    '第一条 合同当事人',
    '甲方（委托方）：{{partyA.name}}',
    '乙方（服务方）：{{partyB.name}}；统一社会信用代码：{{partyB.uscc}}',
    '',
    '第二条 服务内容',
    '乙方为甲方提供以下技术服务：{{service}}。',
    '',
    '第三条 价款与支付',
    '本合同服务费总额为{{amount}}，甲方在服务验收合格后十五个工作日内一次性支付。',
    '',
    '第四条 履行期限',
    '服务期限自{{startDate}}起至{{endDate}}止。',
    '',
    '第五条 保密',
    '双方对履行本合同过程中知悉的对方商业秘密负有保密义务，保密期限为合同终止后三年。',
    '',
    '第六条 违约责任',
    '任何一方违反本合同约定的，应当承担继续履行、采取补救措施或者赔偿损失等违约责任。',
    '',
    '第七条 争议解决',
    '因本合同引起的争议，双方协商解决；协商不成的，向甲方住所地人民法院提起诉讼。',
    '',
  ].join('\n'),
};

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const index = [];
  for (const c of CONTRACTS) {
    const text = bodyText(c);
    fs.writeFileSync(path.join(OUT, `${c.key}.txt`), text);
    fs.writeFileSync(path.join(OUT, `${c.key}.docx`), await docx(c));
    fs.writeFileSync(path.join(OUT, `${c.key}.pdf`), await pdf(c));
    index.push({
      key: c.key,
      title: c.title,
      type: c.type,
      amountFen: c.amountFen,
      signingDate: c.signingDate,
      startDate: c.startDate,
      endDate: c.endDate,
      partyA: c.partyA,
      partyB: c.partyB,
      files: { text: `${c.key}.txt`, docx: `${c.key}.docx`, pdf: `${c.key}.pdf` },
    });
  }
  fs.writeFileSync(
    path.join(OUT, 'contracts.json'),
    JSON.stringify({ about: 'Generated by scripts/make-contract-fixtures.ts; parties from test/fixtures/registrations/valid.json.', contracts: index, template: TEMPLATE }, null, 2) + '\n',
  );
  process.stdout.write(`wrote ${CONTRACTS.length} contracts and a template to ${OUT}\n`);
}

await main();
